/**
 * The node-local cache of accepted session lookups (src/core/sessions/ports.ts) for PostgreSQL
 * nodes. What it stores: copies of a session row and its account, for at most `maxAgeMs`, at
 * most `maxEntries` of them. What it must never do: serve a session that another node (or this
 * one) has revoked, rotated, or whose account changed. Three rules keep it so:
 *
 * - Every change is an invalidation: this node's own writes drop the entries they touch when they
 *   start and again once committed (guard.ts), and every other node's commits arrive on the
 *   notification channel (pg-channel.ts) and drop the entries of the account they name.
 * - A read that overlaps an invalidation is not kept: put() refuses a lookup whose ticket was
 *   taken before the last invalidation (it may have read the row as it was before).
 * - It is trusted only while the channel is known to be current: each heartbeat the channel
 *   sends comes back after every notification committed before it, and the cache answers only
 *   until `trustMs` after the send time of the last heartbeat that came back. A channel that is
 *   down, stalled, or reconnecting (until its first heartbeat returns) leaves the cache bypassed.
 */
import type { SessionLookupCache, SessionWithAccount } from '../../core/sessions/ports.js';

export interface SessionCacheOptions {
  maxEntries: number;
  /** Longest an entry is served after it was read, ms (bounds staleness of fields no change notifies). */
  maxAgeMs: number;
  /** How long after a heartbeat's send time it vouches for the channel, ms. */
  trustMs: number;
  /** Monotonic milliseconds (performance.now by default). */
  now?: () => number;
}

interface Entry {
  found: SessionWithAccount;
  readAt: number;
}

/** What the invalidation of local writes names (guard.ts); `all` empties the cache. */
export type Invalidation = { account: string } | { family: string } | { session: string } | 'all';

/** The cache, with the invalidation and trust controls the channel and the guard use. */
export interface SessionCache extends SessionLookupCache {
  /** Drops every entry of the account (a notification from any node). */
  invalidateAccount(accountId: string): void;
  /** Drops the entries a local write touches. */
  invalidate(what: Invalidation): void;
  /** A local touch wrote a new last-seen time and idle expiry: the cached copies follow. */
  touched(sessionId: string, lastSeenAt: number, idleExpiresAt: number): void;
  /** A heartbeat sent at `sentAt` came back: every notification committed before it has been applied. */
  confirm(sentAt: number): void;
  /** The channel is down or was re-established: forget everything and answer nothing until confirmed again. */
  distrust(): void;
  /** True while the cache may answer. */
  trusted(): boolean;
  /** Entries held. */
  size(): number;
}

/** Keys of the entries by one field of the cached session (account, family or session id). */
class KeyIndex {
  readonly #keys = new Map<string, Set<string>>();
  add(id: string, key: string): void {
    const keys = this.#keys.get(id);
    if (keys) keys.add(key);
    else this.#keys.set(id, new Set([key]));
  }
  remove(id: string, key: string): void {
    const keys = this.#keys.get(id);
    if (keys?.delete(key) && keys.size === 0) this.#keys.delete(id);
  }
  keys(id: string): string[] {
    return [...(this.#keys.get(id) ?? [])];
  }
  clear(): void {
    this.#keys.clear();
  }
}

/** Creates an empty, untrusted cache. */
export function createSessionCache(options: SessionCacheOptions): SessionCache {
  const now = options.now ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  const byAccount = new KeyIndex();
  const byFamily = new KeyIndex();
  const bySession = new KeyIndex();
  let epoch = 0;
  let trustedUntil = -Infinity;

  const drop = (key: string): void => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    const { session } = entry.found;
    byAccount.remove(session.accountId, key);
    byFamily.remove(session.familyId, key);
    bySession.remove(session.id, key);
  };
  const clear = (): void => {
    entries.clear();
    byAccount.clear();
    byFamily.clear();
    bySession.clear();
  };
  const trusted = (): boolean => now() < trustedUntil;

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (!trusted() || now() - entry.readAt > options.maxAgeMs) {
        drop(key);
        return undefined;
      }
      return entry.found;
    },
    ticket: () => epoch,
    put(key, found, ticket) {
      if (ticket !== epoch || !trusted()) return;
      drop(key);
      entries.set(key, { found, readAt: now() });
      byAccount.add(found.session.accountId, key);
      byFamily.add(found.session.familyId, key);
      bySession.add(found.session.id, key);
      if (entries.size > options.maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) drop(oldest);
      }
    },
    invalidateAccount(accountId) {
      epoch += 1;
      for (const key of byAccount.keys(accountId)) drop(key);
    },
    invalidate(what) {
      epoch += 1;
      if (what === 'all') return clear();
      const keys = 'account' in what ? byAccount.keys(what.account) : 'family' in what ? byFamily.keys(what.family) : bySession.keys(what.session);
      for (const key of keys) drop(key);
    },
    touched(sessionId, lastSeenAt, idleExpiresAt) {
      for (const key of bySession.keys(sessionId)) {
        const entry = entries.get(key);
        if (entry) entry.found = { ...entry.found, session: { ...entry.found.session, lastSeenAt, idleExpiresAt } };
      }
    },
    confirm(sentAt) {
      trustedUntil = Math.max(trustedUntil, sentAt + options.trustMs);
    },
    distrust() {
      epoch += 1;
      trustedUntil = -Infinity;
      clear();
    },
    trusted,
    size: () => entries.size,
  };
}
