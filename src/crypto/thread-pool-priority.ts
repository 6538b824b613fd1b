/**
 * libuv's thread pool at a lower OS priority. Password hashing runs there (src/crypto/argon2-pool.ts),
 * and on Linux a thread's nice value is its own, so lowering the pool's threads keeps hashing
 * below the event loop that answers session checks (docs/decisions.md, "argon2id runs on libuv's
 * thread pool at a lower OS priority").
 *
 * libuv names neither its threads nor their ids, so each is asked: a readlink of
 * `/proc/thread-self` runs on whichever pool thread takes it and answers `<pid>/task/<tid>`.
 * Batches of such jobs are queued together until every one of the pool's threads has answered.
 */
import { readlink } from 'node:fs/promises';
import { setPriority } from 'node:os';

/** The size of libuv's pool for this process, read as libuv reads UV_THREADPOOL_SIZE (default 4, at most 1024). */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.UV_THREADPOOL_SIZE;
  if (raw === undefined || raw === '') return 4;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n === 0) return 1;
  return n < 0 || n > 1024 ? 1024 : n;
}

const BATCH_LIMIT = 256;

/** The thread ids of libuv's pool threads that answered within `maxRounds` batches of readlink jobs. */
export async function threadPoolIds(expected: number = threadPoolSize(), maxRounds = 200): Promise<number[]> {
  const found = new Set<number>();
  const batch = Math.min(4 * expected, BATCH_LIMIT);
  for (let round = 0; round < maxRounds && found.size < expected; round++) {
    const links = await Promise.all(Array.from({ length: batch }, () => readlink('/proc/thread-self')));
    for (const link of links) {
      const tid = Number(link.slice(link.lastIndexOf('/') + 1));
      if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) found.add(tid);
    }
  }
  return [...found];
}

export interface LoweredPool {
  /** The pool threads now at the lower priority. */
  lowered: number[];
  /** The pool's size; fewer lowered threads means some run hashing at the event loop's priority. */
  expected: number;
}

/**
 * Gives every thread of libuv's pool the nice value `nice` (0 to 19; higher is lower priority).
 * Where `/proc/thread-self` does not exist (not Linux) nothing is lowered.
 */
export async function lowerThreadPoolPriority(nice: number, expected: number = threadPoolSize()): Promise<LoweredPool> {
  let ids: number[];
  try {
    ids = await threadPoolIds(expected);
  } catch {
    return { lowered: [], expected };
  }
  const lowered: number[] = [];
  for (const tid of ids) {
    try {
      setPriority(tid, nice);
      lowered.push(tid);
    } catch {
      // A thread that has exited, or a nice value the system refuses: leave it as it is.
    }
  }
  return { lowered, expected };
}
