/**
 * argon2id for the server: createArgon2Hasher (@node-rs/argon2's asynchronous hash and verify,
 * which run on libuv's thread pool), at most `size` at a time, with the pool's threads at a lower
 * scheduling priority (src/crypto/thread-pool-priority.ts). Password hashing uses spare CPU and
 * never starves the event loop that answers session checks: a login storm slows logins, not
 * everything else. Callers bound how many wait with boundHasher. Threads of libuv's pool carry no
 * V8 isolate each, unlike worker threads (docs/decisions.md, "argon2id runs on libuv's thread
 * pool at a lower OS priority").
 */
import type { PasswordHasher } from '../core/credentials/ports.js';
import { createArgon2Hasher, type Argon2Params } from './argon2-hasher.js';
import { boundHasher } from './bounded-hasher.js';
import { lowerThreadPoolPriority, threadPoolSize, type LoweredPool } from './thread-pool-priority.js';

export interface Argon2Pool extends PasswordHasher {
  /** How many hashes run at once: `size`, less when libuv's pool is smaller (one thread is left for files and lookups). */
  readonly concurrency: number;
  /** Settles once libuv's pool threads have been given the lower priority. */
  readonly prioritised: Promise<LoweredPool>;
  /** Refuses further work. */
  close(): Promise<void>;
}

/**
 * Hashes at most `size` passwords at once on libuv's pool, whose threads run at `nice` (0 to 19;
 * higher is lower priority). With a pool of `poolSize` threads, at most `poolSize - 1` hash at once.
 */
export function createArgon2Pool(params: Argon2Params, size: number, nice = 10, poolSize = threadPoolSize()): Argon2Pool {
  const concurrency = Math.max(1, Math.min(size, poolSize - 1));
  const prioritised = lowerThreadPoolPriority(nice, poolSize);
  const argon2 = createArgon2Hasher(params);
  let closed = false;
  const unlessClosed = <T>(work: () => Promise<T>): Promise<T> => (closed ? Promise.reject(new Error('the hasher is closed')) : work());
  // boundHasher's queue, without a limit: the server's own boundHasher (HASH_QUEUE_LIMIT) is above this one.
  const bounded = boundHasher(
    {
      hash: (password) => unlessClosed(() => argon2.hash(password)),
      verify: (stored, password) => unlessClosed(() => argon2.verify(stored, password)),
      needsRehash: (stored) => argon2.needsRehash(stored),
      close: async () => {
        closed = true;
      },
    },
    concurrency,
    Number.POSITIVE_INFINITY,
  );
  return { concurrency, prioritised, hash: bounded.hash, verify: bounded.verify, needsRehash: bounded.needsRehash, close: bounded.close };
}
