/** Credentials: the password hasher, the login throttle's store, and the policies of passwords, login throttling and per-address limits. */
import type { Tx } from '../ports.js';

export interface PasswordHasher {
  /** A PHC string for `password` with the current parameters. */
  hash(password: string): Promise<string>;
  /**
   * True when `password` matches; false for a mismatch or a malformed hash. `gone` (the asking
   * client's ClientContext.gone) is asked when a queued check's turn comes: true skips the work.
   */
  verify(hash: string, password: string, gone?: () => boolean): Promise<boolean>;
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
   * One key's block (0 when none) and whether anything is counted for it (failures or a block),
   * in one read: a login that found nothing counted has nothing to forget on success
   * (docs/decisions.md, "Logins on PostgreSQL: fewer round trips"). A store that cannot tell in
   * the same read says `counted: true`, and the success clears the key as before.
   */
  subjectState(tx: Tx, key: string): Promise<{ blockedUntil: number; counted: boolean }>;
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

/** The rules a new password is checked against (from the configuration and the shipped list). */
export interface PasswordRules {
  /** Fewest Unicode code points (after NFKC) a new password may have; never below 8. */
  minLength: number;
  /** Common passwords, NFKC and lower-cased, refused outright. */
  commonPasswords: WordList;
}

/** A fixed set of words (a Set of strings is one). */
export interface WordList extends Iterable<string> {
  readonly size: number;
  has(word: string): boolean;
}

export interface ThrottlePolicy {
  freeFailures: number;
  /** Seconds. */
  maxDelay: number;
  ipFailuresPerMinute: number;
}

export interface AddressLimitPolicy {
  /** Account creations per client address per hour. */
  registrationsPerHour: number;
  /** Reset requests and confirmation resends per client address per hour. */
  mailRequestsPerHour: number;
  /** Unusable refresh tokens and email links presented per client address per minute. */
  tokenFailuresPerMinute: number;
}
