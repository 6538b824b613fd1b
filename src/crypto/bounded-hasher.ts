/**
 * Bounded hashing. Each argon2id computation holds `m` KiB of memory, so an unbounded number
 * of concurrent logins is a memory-exhaustion attack. At most `concurrency` hashes run at once,
 * at most `queueLimit` wait; beyond that the caller gets BUSY at once (a 503 with Retry-After)
 * instead of piling up work it cannot finish.
 */
import { AuthError } from '../core/errors.js';
import type { PasswordHasher } from '../core/credentials/ports.js';

export interface HashLoad {
  running: number;
  queued: number;
}

export interface BoundedHasher extends PasswordHasher {
  /** How many hashes run and wait now. */
  load(): HashLoad;
  /** Closes the inner hasher (no more work), if it can be closed. */
  close(): Promise<void>;
}

/** Wraps a hasher so that at most `concurrency` hash or verify calls run at once. */
export function boundHasher(
  inner: PasswordHasher & { close?: () => Promise<void> },
  concurrency: number,
  queueLimit: number,
): BoundedHasher {
  let running = 0;
  const importable = inner.importable?.bind(inner);
  const waiting: Array<() => void> = [];

  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  async function limited<T>(work: () => Promise<T>): Promise<T> {
    if (running < concurrency) {
      running++;
    } else if (waiting.length < queueLimit) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      throw new AuthError('BUSY', 'too many password checks in progress; try again shortly', { retryAfter: 1 });
    }
    try {
      return await work();
    } finally {
      release();
    }
  }

  return {
    hash: (password) => limited(() => inner.hash(password)),
    verify: (stored, password) => limited(() => inner.verify(stored, password)),
    needsRehash: (stored) => inner.needsRehash(stored),
    ...(importable ? { importable } : {}),
    load: () => ({ running, queued: waiting.length }),
    close: async () => {
      await inner.close?.();
    },
  };
}
