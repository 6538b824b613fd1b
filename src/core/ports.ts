/**
 * The ports the core needs from the outside world. Storage functions take a Tx first so the
 * service decides what runs in one transaction; Tx is opaque to the core.
 */

declare const txBrand: unique symbol;
/** A database handle (a transaction or the plain connection), opaque to the core. */
export type Tx = { readonly [txBrand]: true };

export type AccountStatus = 'pending' | 'active' | 'disabled';
export type SessionKind = 'cookie' | 'token';

export interface Account {
  id: string;
  username: string | null;
  email: string | null;
  emailVerifiedAt: number | null;
  passwordHash: string | null;
  status: AccountStatus;
  promoCode: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface Session {
  id: string;
  secretHash: string;
  accountId: string;
  kind: SessionKind;
  familyId: string;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  rotatedAt: number | null;
  replacedBy: string | null;
  revokedAt: number | null;
  ip: string | null;
  userAgent: string | null;
  /** Rotations so far of a refresh chain kept in this row (0 for cookie sessions and new logins). */
  generation: number;
  /** SHA-256 of the current refresh secret once the chain has rotated; before that `secretHash` is current. */
  chainHash: string | null;
  /** When the current generation was issued (null before the first rotation: `createdAt`). */
  chainAt: number | null;
  /** Start of the current minute of rotations of this chain (null: none yet); see docs/decisions.md. */
  rotationWindowAt?: number | null;
  /** Rotations of this chain since `rotationWindowAt`. */
  rotationCount?: number;
  /** The factors the login used (RFC 8176: `pwd`, `otp`, `hwk`, `swk`); null or unset on rows of earlier releases. */
  amr?: string[] | null;
}

/** A rotation in place of a refresh chain: the row's next generation. */
export interface ChainAdvance {
  chainHash: string;
  at: number;
  idleExpiresAt: number;
  ip: string | null;
  userAgent: string | null;
  /** The chain's per-minute rotation window after this rotation (unset: none, 0). */
  rotationWindowAt?: number | null;
  rotationCount?: number;
}

export interface NewAccount {
  id: string;
  username: string | null;
  usernameKey: string | null;
  email: string | null;
  emailKey: string | null;
  passwordHash: string | null;
  status: AccountStatus;
  promoCode?: string | null;
  createdAt: number;
  /** When the email was verified (an import may bring verified emails); unset: not verified. */
  emailVerifiedAt?: number | null;
}

/** An account whose username is another account's email, recorded by the migration that made one namespace. */
export interface IdentifierCollision {
  /** The account whose username was left out of the namespace (it does not log in by it). */
  account: Account;
  /** The account whose email holds the identifier (null if it has been deleted since). */
  other: Account | null;
  /** The identifier, case-folded. */
  identifier: string;
  /** Which of the account's identifiers was left out: its username (usually) or its email. */
  kind: 'username' | 'email';
  foundAt: number;
}

/** Runs work in one database transaction. */
export interface UnitOfWork {
  /** The non-transactional handle, for single statements. */
  readonly db: Tx;
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface AccountStore {
  /**
   * Inserts an account and claims its username and email in the one namespace of login
   * identifiers; throws UniqueViolation('username' | 'email') when that identifier is any
   * other account's username or email (the database decides, so racing claims cannot both win).
   */
  insert(tx: Tx, account: NewAccount): Promise<void>;
  /**
   * Replaces the account's username (null: none) and its claim in the identifier namespace;
   * UniqueViolation('username') when the new one is another account's username or email. Clears
   * the account's recorded identifier collision. False if the account is gone.
   */
  setUsername(tx: Tx, id: string, username: { display: string; key: string } | null, now: number): Promise<boolean>;
  /** Usernames left out of the identifier namespace because they equal another account's email (see the migration). */
  listIdentifierCollisions(tx: Tx): Promise<IdentifierCollision[]>;
  /**
   * Claims the identifiers of accounts that have none (written by a node of an earlier release
   * during a rolling upgrade); one another account holds is recorded as a collision instead.
   * Works on at most 10,000 accounts per call.
   */
  backfillIdentifiers(tx: Tx, now: number): Promise<{ accounts: number; collisions: number }>;
  /** The account with this id, or null. */
  findById(tx: Tx, id: string): Promise<Account | null>;
  /** The one account whose username or email claims the login identifier `key` in the namespace, or null. */
  findByLoginKey(tx: Tx, key: string): Promise<Account | null>;
  /** Replaces the password hash if it is still `expected` (a lost race changes nothing). */
  replacePasswordHash(tx: Tx, id: string, expected: string, next: string, now: number): Promise<void>;
  /** The account whose normalized email equals `emailKey`, or null. */
  findByEmailKey(tx: Tx, emailKey: string): Promise<Account | null>;
  /** Sets the password hash unconditionally. */
  setPasswordHash(tx: Tx, id: string, passwordHash: string, now: number): Promise<void>;
  /** Activates a pending account still holding `emailKey`: sets the hash and verifies the email; false if it changed meanwhile. */
  activateWithPassword(tx: Tx, id: string, emailKey: string, passwordHash: string, now: number): Promise<boolean>;
  /** Deletes the account (sessions and links go by ON DELETE CASCADE); false if it was already gone. */
  deleteAccount(tx: Tx, id: string): Promise<boolean>;
  /** Sets the account's status; false if the account is gone. */
  setStatus(tx: Tx, id: string, status: AccountStatus, now: number): Promise<boolean>;
  /** A page of accounts, newest first (admin listing); see AccountListQuery. */
  list(tx: Tx, query: AccountListQuery): Promise<Account[]>;
  /** When the account last logged in successfully, from the audit log (null: none on record). */
  lastLoginAt(tx: Tx, id: string): Promise<number | null>;
}

/** A page of the account listing: newest first, optionally after a cursor, by status, by key prefix. */
export interface AccountListQuery {
  limit: number;
  /** Only accounts that sort after this one (created earlier; the same time and a smaller id). */
  after?: { createdAt: number; id: string };
  status?: AccountStatus;
  /** Only accounts whose normalized username or email starts with this (already case-folded). */
  keyPrefix?: string;
}

export interface SessionStore {
  /** Inserts a new session row. */
  insert(tx: Tx, session: Session): Promise<void>;
  /** The session whose secret hashes to `secretHash`; locked for update inside a transaction on PostgreSQL. */
  findBySecretHashForUpdate(tx: Tx, secretHash: string): Promise<Session | null>;
  /** The session with this id, with its account, or null. */
  findWithAccount(tx: Tx, id: string): Promise<{ session: Session; account: Account } | null>;
  /** The session whose secret hashes to `secretHash`, with its account, or null. */
  findBySecretHashWithAccount(tx: Tx, secretHash: string): Promise<{ session: Session; account: Account } | null>;
  /** The session with this id, or null. */
  findById(tx: Tx, id: string): Promise<Session | null>;
  /** The session with this id, with its account; the session row locked for update inside a transaction on PostgreSQL. */
  findWithAccountForUpdate(tx: Tx, id: string): Promise<{ session: Session; account: Account } | null>;
  /** Moves the chain of session `id` from generation `from` to `from + 1`; false if it had moved already. */
  advanceChain(tx: Tx, id: string, from: number, next: ChainAdvance): Promise<boolean>;
  /** Marks a session as rotated into `successorId` (rows of releases before in-place rotation). */
  markRotated(tx: Tx, id: string, now: number, successorId: string): Promise<void>;
  /** Revokes every live session of a refresh family. */
  revokeFamily(tx: Tx, familyId: string, now: number): Promise<void>;
  /** Records use of a session and slides its idle expiry. */
  touch(tx: Tx, id: string, now: number, idleExpiresAt: number): Promise<void>;
  /** Revokes every live session of an account except `exceptSessionId` (rotated refresh rows are dead already). */
  revokeAccountSessions(tx: Tx, accountId: string, now: number, exceptSessionId?: string): Promise<void>;
  /** The account's live logins at `now` (live heads only; `familyId` narrows to one), most recently seen first. */
  listLiveSessions(tx: Tx, accountId: string, now: number, options?: { familyId?: string; limit?: number }): Promise<LiveSession[]>;
  /** Revokes every session of an account outside the family `keepFamilyId` (the kept family's rotated rows stay as reuse evidence). */
  revokeOtherFamilies(tx: Tx, accountId: string, keepFamilyId: string, now: number): Promise<void>;
  /**
   * Ends (revokes the families of) the account's live logins beyond the `keep` most recently
   * used ones, at most 1,000 per call, and returns them; the account row is locked for update
   * first on PostgreSQL, so concurrent logins of one account take turns.
   */
  endLeastRecentlyUsed(tx: Tx, accountId: string, keep: number, now: number): Promise<LiveSession[]>;
}

/**
 * A live login as its owner sees it, without any secret hash: a cookie session, or the live head
 * of a refresh family. `familyId` is stable across refreshes (a cookie session's is its own id).
 */
export interface LiveSession {
  familyId: string;
  /** The live row (the head of a refresh family). */
  sessionId: string;
  kind: SessionKind;
  /** When the login happened: the family's first row. */
  createdAt: number;
  /** The head's last use (written at most once per touch interval). */
  lastSeenAt: number;
  /** The address and user agent of the head's request (the latest login or refresh). */
  ip: string | null;
  userAgent: string | null;
}

/** A stored JWT signing key. `privateJwk` and `publicJwk` are JSON strings. */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: number;
  retiredAt: number | null;
}

export interface KeyStore {
  /** Every signing key, newest first. */
  listSigningKeys(tx: Tx): Promise<SigningKeyRecord[]>;
  /** Adds a signing key (nothing happens if its kid exists). */
  insertSigningKey(tx: Tx, key: SigningKeyRecord): Promise<void>;
  /** Marks a signing key retired (no longer published or accepted); false when unknown or already retired. */
  retireSigningKey(tx: Tx, kid: string, now: number): Promise<boolean>;
  /** The named server secret, created from `generate()` by whichever node asks first. */
  getOrCreateSecret(tx: Tx, name: string, generate: () => string, now: number): Promise<string>;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

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

export interface AccessClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
  jti: string;
}

export interface AccessTokenSigner {
  /** Signs access-token claims. */
  sign(claims: AccessClaims): Promise<string>;
  /** The verified claims, or null for any malformed, forged, expired or foreign token. */
  verify(token: string, nowMs: number): Promise<AccessClaims | null>;
}

/** Thrown by stores when a unique constraint rejects a write. */
export class UniqueViolation extends Error {
  override name = 'UniqueViolation';
  constructor(readonly column: 'username' | 'email' | 'other') {
    super(`unique violation on ${column}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Email links, promo codes and outgoing mail (issues 3 and 4).

export type OneTimePurpose = 'confirm' | 'reset';

/** A single-use emailed link token; only its SHA-256 is stored. */
export interface OneTimeToken {
  id: string;
  tokenHash: string;
  accountId: string;
  purpose: OneTimePurpose;
  /** The address the link was sent to; the token is void if the account's email changed. */
  email: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface OneTimeTokenStore {
  /** Stores a new token. */
  insert(tx: Tx, token: OneTimeToken): Promise<void>;
  /**
   * Marks the unused, unexpired token with this hash as used and returns it; null when there is
   * none. Atomic (a conditional UPDATE), so of two concurrent uses exactly one gets the token.
   */
  consume(tx: Tx, tokenHash: string, purpose: OneTimePurpose, now: number): Promise<OneTimeToken | null>;
  /** The token with this hash if unused and unexpired, without consuming it (for showing a form). */
  findUsable(tx: Tx, tokenHash: string, purpose: OneTimePurpose, now: number): Promise<OneTimeToken | null>;
  /** Voids every unused token of an account for a purpose (a newer link, a password change). */
  voidForAccount(tx: Tx, accountId: string, purpose: OneTimePurpose, now: number): Promise<void>;
}

export interface PromoCode {
  code: string;
  maxUses: number | null;
  uses: number;
  expiresAt: number | null;
  note: string | null;
  createdAt: number;
}

export interface PromoStore {
  /** Adds a promo code; throws UniqueViolation('other') if it exists. */
  insert(tx: Tx, promo: PromoCode): Promise<void>;
  /** Every promo code, newest first. */
  list(tx: Tx): Promise<PromoCode[]>;
  /** Counts one use if the code exists, is unexpired and not used up; false otherwise. Atomic. */
  redeem(tx: Tx, code: string, now: number): Promise<boolean>;
}

export type MailTemplate =
  | 'confirm_account'
  | 'signup_attempt'
  | 'reset_password'
  | 'new_password'
  | 'password_changed'
  | 'account_deleted' | 'second_factor_changed' | 'recovery_code_used';

/**
 * An email to send, as the core describes it: a template name, a recipient and the values the
 * template needs (e.g. `token` for link templates). The mail layer renders it and builds links
 * from PUBLIC_URL.
 */
export interface MailRequest {
  template: MailTemplate;
  to: string;
  data: Record<string, string>;
}

export interface Outbox {
  /** Queues a message in the same transaction as the change that causes it. */
  enqueue(tx: Tx, message: MailRequest): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Login throttling (issue 5).

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

// ---------------------------------------------------------------------------------------------
// Audit events (issue 5, checklist items 65 and 66): in audit/ports.ts.
export * from './audit/ports.js';

// ---------------------------------------------------------------------------------------------
// Service credentials (issue 8).

/** A back-end service's credential; only the SHA-256 of its secret is stored. */
export interface ServiceKey {
  id: string;
  name: string;
  keyHash: string;
  /** Introspection requests allowed per minute. */
  rateLimit: number;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface ServiceKeyStore {
  /** Stores a new key; throws UniqueViolation('other') when a live key has this name. */
  insert(tx: Tx, key: ServiceKey): Promise<void>;
  /** The key with this id (revoked or not), or null. */
  findById(tx: Tx, id: string): Promise<ServiceKey | null>;
  /** The key with this name that is not revoked, or null. */
  findLiveByName(tx: Tx, name: string): Promise<ServiceKey | null>;
  /** Every key, revoked ones too, newest first. */
  list(tx: Tx): Promise<ServiceKey[]>;
  /** Revokes the key if it is live; false when it was already revoked or does not exist. */
  revoke(tx: Tx, id: string, now: number): Promise<boolean>;
  /** Records that the key was used at `now`. */
  markUsed(tx: Tx, id: string, now: number): Promise<void>;
}
