/** Sessions (cookie sessions and refresh-token chains): the session record and its store. */
import type { Account } from '../accounts/ports.js';
import type { Tx } from '../ports.js';
import type { AuditRowToStore } from '../audit/ports.js';

export type SessionKind = 'cookie' | 'token';

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

/**
 * The rotation of a chain whose current secret was presented, as one statement
 * (`SessionWrites.rotateCurrent`): the row moves from `generation` to the next only while the
 * presented secret is still current and the locked rotation would rotate it too.
 */
export interface CurrentRotation {
  /** The generation the presented secret was issued for. */
  generation: number;
  /** SHA-256 of the presented secret: the row's current hash (`chainHash`, else `secretHash`). */
  presentedHash: string;
  /** SHA-256 of the successor secret. */
  chainHash: string;
  at: number;
  /** `at` plus the idle lifetime (the row keeps the earlier absolute expiry when that comes first). */
  idleExpiresAt: number;
  ip: string | null;
  userAgent: string | null;
  /** Rotations a chain may make per rotation window, and the window's length (ms). */
  rotationsPerMinute: number;
  rotationWindowMs: number;
}

/** What a session check reads: the lookups by id or secret, and the touch that slides an accepted session's idle expiry. */
export interface SessionLookups {
  /** The session with this id, with its account, or null. */
  findWithAccount(tx: Tx, id: string): Promise<{ session: Session; account: Account } | null>;
  /** The session whose secret hashes to `secretHash`, with its account, or null. */
  findBySecretHashWithAccount(tx: Tx, secretHash: string): Promise<{ session: Session; account: Account } | null>;
  /** The session with this id, or null. */
  findById(tx: Tx, id: string): Promise<Session | null>;
  /** Records use of a session and slides its idle expiry. */
  touch(tx: Tx, id: string, now: number, idleExpiresAt: number): Promise<void>;
}

/** What login and refresh-token rotation write: new sessions, the locked reads a rotation starts from, the chain's next generation. */
export interface SessionWrites {
  /** Inserts a new session row. */
  insert(tx: Tx, session: Session): Promise<void>;
  /**
   * Inserts a new session row only when its account has no more than `keep` live logins (its
   * entries in the live-sessions index), in one statement after locking the account row for
   * update on PostgreSQL (as endLeastRecentlyUsed does); false, and nothing inserted, when it has
   * more. A login under the cap (most logins) then costs the lock and this statement.
   */
  insertWithinCap(tx: Tx, session: Session, keep: number): Promise<boolean>;
  /**
   * PostgreSQL only (absent on SQLite, where statements are no round trips): insertWithinCap and
   * the login's audit row (AuditLog.writeWith) in one statement, run outside any transaction as its
   * own: the account's lock, the row when within `keep`, the audit row, the commit (migration
   * 2026-12-07T1600-open-session-function). False, and nothing written, over the cap.
   */
  openWithinCap?(tx: Tx, session: Session, keep: number, audit: AuditRowToStore): Promise<boolean>;
  /** The session whose secret hashes to `secretHash`; locked for update inside a transaction on PostgreSQL. */
  findBySecretHashForUpdate(tx: Tx, secretHash: string): Promise<Session | null>;
  /** The session with this id, with its account; the session row locked for update inside a transaction on PostgreSQL. */
  findWithAccountForUpdate(tx: Tx, id: string): Promise<{ session: Session; account: Account } | null>;
  /** Moves the chain of session `id` from generation `from` to `from + 1`; false if it had moved already. */
  advanceChain(tx: Tx, id: string, from: number, next: ChainAdvance): Promise<boolean>;
  /**
   * Rotates token session `id` in one statement when `rotation.presentedHash` is its current
   * hash at `rotation.generation`, the row is neither revoked nor rotated by an earlier release,
   * both expiries are after `rotation.at`, the chain is within its rotations per minute (the
   * window logic of the locked rotation, in SQL) and its account is active; returns the rotated
   * session, or null when any of that does not hold (nothing changed). Outside a transaction on
   * SQLite it joins the group commit.
   */
  rotateCurrent(tx: Tx, id: string, rotation: CurrentRotation): Promise<Session | null>;
  /** Marks a session as rotated into `successorId` (rows of releases before in-place rotation). */
  markRotated(tx: Tx, id: string, now: number, successorId: string): Promise<void>;
  /**
   * Ends (revokes the families of) the account's live logins beyond the `keep` most recently
   * used ones, at most 1,000 per call, and returns them; the account row is locked for update
   * first on PostgreSQL, so concurrent logins of one account take turns.
   */
  endLeastRecentlyUsed(tx: Tx, accountId: string, keep: number, now: number): Promise<LiveSession[]>;
}

/** Ending sessions (one family, all of an account's, all but one) and listing an account's live logins. */
export interface SessionRevocations {
  /** Revokes every live session of a refresh family. */
  revokeFamily(tx: Tx, familyId: string, now: number): Promise<void>;
  /** Revokes every live session of an account except `exceptSessionId` (rotated refresh rows are dead already). */
  revokeAccountSessions(tx: Tx, accountId: string, now: number, exceptSessionId?: string): Promise<void>;
  /** The account's live logins at `now` (live heads only; `familyId` narrows to one), most recently seen first. */
  listLiveSessions(tx: Tx, accountId: string, now: number, options?: { familyId?: string; limit?: number }): Promise<LiveSession[]>;
  /** Revokes every session of an account outside the family `keepFamilyId` (the kept family's rotated rows stay as reuse evidence). */
  revokeOtherFamilies(tx: Tx, accountId: string, keepFamilyId: string, now: number): Promise<void>;
}

/** The session store: every session port; a flow's deps name only the part it uses. */
export interface SessionStore extends SessionLookups, SessionWrites, SessionRevocations {}

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

/** A session with its account, as the session checks read them. */
export interface SessionWithAccount {
  session: Session;
  account: Account;
}

/**
 * The node-local session cache's port (docs/decisions.md, "Session cache on PostgreSQL nodes").
 * Session checks on PostgreSQL are a database round trip each; a node may keep the lookups it
 * accepted (a live session of an active account) and answer the next check from memory. The
 * cache holds only accepted lookups, and the core asks it only for a lookup it would accept, so
 * a refusal always comes from the database: a stale entry can never turn a valid credential
 * away, and the implementation's invalidation (every node told of every revocation, the cache
 * bypassed while that channel is down) keeps it from serving a revoked one.
 * Keys are `id:<session id>` or `secret:<secret hash>`.
 */
export interface SessionLookupCache {
  /** The cached lookup under `key`, or undefined (absent, expired, or the cache is not trusted now). */
  get(key: string): SessionWithAccount | undefined;
  /** A ticket taken before a database read; put() with it stores nothing if anything was invalidated since. */
  ticket(): number;
  /** Keeps an accepted lookup under `key`, unless an invalidation came after `ticket` was taken. */
  put(key: string, found: SessionWithAccount, ticket: number): void;
}
