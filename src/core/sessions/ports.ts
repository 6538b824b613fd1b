/**
 * The node-local session cache's port (docs/decisions.md, "Session cache on PostgreSQL nodes").
 * Session checks on PostgreSQL are a database round trip each; a node may keep the lookups it
 * accepted (a live session of an active account) and answer the next check from memory. The
 * cache holds only accepted lookups, and the core asks it only for a lookup it would accept, so
 * a refusal always comes from the database: a stale entry can never turn a valid credential
 * away, and the implementation's invalidation (every node told of every revocation, the cache
 * bypassed while that channel is down) keeps it from serving a revoked one.
 */
import type { Account, Session } from '../ports.js';

/** A session with its account, as the session checks read them. */
export interface SessionWithAccount {
  session: Session;
  account: Account;
}

/** The cache of accepted session lookups, keyed by `id:<session id>` or `secret:<secret hash>`. */
export interface SessionLookupCache {
  /** The cached lookup under `key`, or undefined (absent, expired, or the cache is not trusted now). */
  get(key: string): SessionWithAccount | undefined;
  /** A ticket taken before a database read; put() with it stores nothing if anything was invalidated since. */
  ticket(): number;
  /** Keeps an accepted lookup under `key`, unless an invalidation came after `ticket` was taken. */
  put(key: string, found: SessionWithAccount, ticket: number): void;
}
