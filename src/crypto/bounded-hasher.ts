/**
 * Bounded hashing. Each argon2id computation holds `m` KiB of memory, so an unbounded number
 * of concurrent logins is a memory-exhaustion attack. At most `concurrency` hashes run at once,
 * at most `queueLimit` wait; beyond that the caller gets BUSY at once (a 503 with Retry-After)
 * instead of piling up work it cannot finish. A check whose client has disconnected while it
 * waited (its `gone` answers true when its turn comes) is skipped, also BUSY, and its turn passes
 * on: under overload, clients that give up and retry would otherwise have their abandoned logins
 * hashed for nobody ahead of the ones still waiting for an answer.
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

/** The refusal of a check whose client disconnected before its turn (no one reads the answer). */
function clientGone(): AuthError {
  return new AuthError('BUSY', 'the client disconnected before its password was checked', { retryAfter: 1 });
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

  async function limited<T>(work: () => Promise<T>, gone?: () => boolean): Promise<T> {
    if (gone?.()) throw clientGone();
    if (running < concurrency) {
      running++;
    } else if (waiting.length < queueLimit) {
      await new Promise<void>((resolve) => waiting.push(resolve));
      if (gone?.()) {
        release();
        throw clientGone();
      }
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
    verify: (stored, password, gone) => limited(() => inner.verify(stored, password, gone), gone),
    needsRehash: (stored) => inner.needsRehash(stored),
    ...(importable ? { importable } : {}),
    load: () => ({ running, queued: waiting.length }),
    close: async () => {
      await inner.close?.();
    },
  };
}
