/** Credentials: the password hasher and the login throttle's store. */
import type { Tx } from '../ports.js';

export interface PasswordHasher {
  /** A PHC string for `password` with the current parameters. */
  hash(password: string): Promise<string>;
  /** True when `password` matches; false for a mismatch or a malformed hash. */
  verify(hash: string, password: string): Promise<boolean>;
  /** True when `hash` was made with other parameters than the current ones (or by another system). */
  needsRehash(hash: string): boolean;
  /**
   * For `latchkey import`: null when `hash` (another system's, or this hasher's own) can be stored
   * as given and verified at the next login; otherwise why not. Unset: no imported hash is accepted.
   */
  importable?(hash: string): string | null;
}

export interface ThrottleState {
  failures: number;
  windowStart: number;
  blockedUntil: number;
}

export interface ThrottleStore {
  /** The latest time until which any of `keys` is blocked (0 when none is). */
  blockedUntil(tx: Tx, keys: string[]): Promise<number>;
  /**
   * Counts one failure for `key` atomically; a count older than `windowMs` starts again at 1.
   * Returns the new state.
   */
  recordFailure(tx: Tx, key: string, now: number, windowMs: number): Promise<ThrottleState>;
  /** Blocks `key` until `until`. */
  block(tx: Tx, key: string, until: number): Promise<void>;
  /** Forgets `key` (a successful login). */
  reset(tx: Tx, key: string): Promise<void>;
}
