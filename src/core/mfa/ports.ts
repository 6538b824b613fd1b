/**
 * The ports and domain types of the second factor (docs/security.md, "Second factor"): where
 * factors, recovery codes and pending second steps are stored, how a TOTP secret is sealed at
 * rest, and the TOTP algorithm itself (a library behind a port: the core computes no codes).
 */
import type { Tx } from '../ports.js';
import type { PasskeyDeps } from '../passkeys/ports.js';

/** A second-factor method a login can finish with (`passkey`: on the pages only). */
export type SecondFactorMethod = 'totp' | 'passkey' | 'recovery_code';

/** An account's TOTP factor; `secret` is sealed (SecretSealer) and opened only to check a code. */
export interface TotpFactor {
  id: string;
  accountId: string;
  secret: string;
  createdAt: number;
  /** Null while enrolling: the factor is on once a first valid code confirmed it. */
  confirmedAt: number | null;
  /** The last time step accepted (null: none yet); a code of that step or earlier is a replay. */
  lastStep: number | null;
}

/** A login waiting for its second step; only the SHA-256 of its token is stored. */
export interface MfaChallenge {
  id: string;
  tokenHash: string;
  accountId: string;
  /** The surface the password step came through; the second step must come through the same. */
  surface: string;
  /** The client address of the password step; the second step must come from the same. */
  ip: string | null;
  /** The factors proved so far (`pwd`). */
  amr: string[];
  attempts: number;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface MfaStore {
  /** The account's TOTP factor, pending or confirmed, or null. */
  findTotp(tx: Tx, accountId: string): Promise<TotpFactor | null>;
  /**
   * True when the account has a second factor on: a confirmed TOTP factor or a passkey. One
   * statement (every password login asks it: docs/decisions.md, "Logins on PostgreSQL: fewer
   * round trips").
   */
  hasFactorOn(tx: Tx, accountId: string): Promise<boolean>;
  /** Stores a pending TOTP factor in place of any pending one; false when a confirmed one exists. */
  putPendingTotp(tx: Tx, factor: TotpFactor): Promise<boolean>;
  /**
   * Accepts time step `step` for the factor: sets `last_step` (and confirms a pending factor when
   * `confirmAt` is given) only if no step at or after it was accepted before. Atomic: of two
   * requests with the same code exactly one gets true.
   */
  acceptStep(tx: Tx, factorId: string, step: number, confirmAt?: number): Promise<boolean>;
  /** Deletes the account's TOTP factor (pending or confirmed); false when there was none. */
  deleteTotp(tx: Tx, accountId: string): Promise<boolean>;
  /** Replaces every recovery code of the account with these hashes. */
  replaceRecoveryCodes(tx: Tx, accountId: string, codeHashes: string[], now: number): Promise<void>;
  /** Marks the unused code with this hash used; false when there is none. Atomic. */
  useRecoveryCode(tx: Tx, accountId: string, codeHash: string, now: number): Promise<boolean>;
  /** How many unused recovery codes the account has. */
  countRecoveryCodes(tx: Tx, accountId: string): Promise<number>;
  /** Deletes every factor, recovery code and pending step of the account (an operator's mfa-reset); resolves to the confirmed factors removed. */
  deleteAllFactors(tx: Tx, accountId: string, now: number): Promise<number>;
  /** Stores a pending second step. */
  insertChallenge(tx: Tx, challenge: MfaChallenge): Promise<void>;
  /** The unused, unexpired challenge with this token hash, or null. */
  findChallenge(tx: Tx, tokenHash: string, now: number): Promise<MfaChallenge | null>;
  /** Counts a failed attempt on the challenge; resolves to the attempts so far. */
  countChallengeFailure(tx: Tx, id: string): Promise<number>;
  /** Marks the challenge used if it still is unused; false when another request used it first. Atomic. */
  useChallenge(tx: Tx, id: string, now: number): Promise<boolean>;
}

/** An app password as listed (never its secret). */
export interface AppPassword {
  id: string;
  accountId: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface AppPasswordStore {
  /** Stores an app password (only the SHA-256 of its secret). */
  insert(tx: Tx, appPassword: AppPassword, secretHash: string): Promise<void>;
  /** The account's app passwords, newest first. */
  list(tx: Tx, accountId: string): Promise<AppPassword[]>;
  /** The app password of this account whose secret hashes to `secretHash`, or null. */
  findBySecretHash(tx: Tx, accountId: string, secretHash: string): Promise<AppPassword | null>;
  /** Records a use (at most once a minute is enough: callers may skip). */
  markUsed(tx: Tx, id: string, now: number): Promise<void>;
  /** Deletes one app password of the account; false when there is none with this id. */
  delete(tx: Tx, accountId: string, id: string): Promise<boolean>;
}

/** Seals a secret at rest: the master key when one is set, else a key kept in the database. */
export interface SecretSealer {
  /** Encrypts `plain`, bound to `context` (where it is stored). */
  seal(plain: string, context: string): string;
  /** Decrypts what `seal` returned for the same context; throws for a wrong key or a moved value. */
  open(sealed: string, context: string): string;
  /** True when a master key (kept outside the database) protects what this sealer seals. */
  readonly keptOutsideDatabase: boolean;
}

/** TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, as every authenticator app reads them. */
export interface TotpAlgorithm {
  /** A new random secret (160 bits), base32. */
  newSecret(): string;
  /** The `otpauth://` URI an authenticator app scans (`label` is the account name it shows). */
  keyUri(secret: string, label: string, issuer: string): string;
  /** The time step of `code` within ±`window` steps of `now`, or null when it matches none. */
  matchStep(secret: string, code: string, now: number, window: number): number | null;
}

/** What the second-factor flows need besides the core's own ports. */
export interface SecondFactorDeps {
  store: MfaStore;
  appPasswords: AppPasswordStore;
  sealer: SecretSealer;
  totp: TotpAlgorithm;
  /** The issuer name authenticator apps show (BRAND_NAME when set, else the PUBLIC_URL host). */
  issuer: string;
  /** Seconds a pending second step lives (MFA_STEP_TTL). */
  challengeTtl: number;
  /** Wrong codes one pending step takes before it dies (MFA_STEP_ATTEMPTS). */
  maxAttempts: number;
  /** Passkeys: their store and the WebAuthn ceremonies. */
  passkeys: PasskeyDeps;
}
