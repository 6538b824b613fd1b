/**
 * The session cache, assembled: the cache (cache.ts), the guard on this node's own writes
 * (guard.ts) and how changes made elsewhere reach it: on PostgreSQL the notification channel,
 * LISTEN/NOTIFY (pg-channel.ts) or Redis pub/sub when REDIS_URL is set (redis-channel.ts); on
 * SQLite the writer connection's triggers and data version (sqlite-watch.ts). Loaded only when
 * SESSION_CACHE is on (start-up, memory).
 */
import type { SessionCacheConfig } from '../../config/session-cache.js';
import type { Stores } from '../index.js';
import { createSessionCache, type Invalidation, type SessionCache } from './cache.js';
import { guardSessionCache } from './guard.js';
import { startPgSessionChannel, type ChannelLog, type SessionChannel } from './pg-channel.js';
import { watchSqliteSessions, type SqliteWriter } from './sqlite-watch.js';

export interface AttachedSessionCache {
  /** The stores with this node's writes invalidating the cache. */
  stores: Stores;
  cache: SessionCache;
  channel: SessionChannel;
}

/** Where the Redis channel is (REDIS_URL and REDIS_PREFIX); absent: LISTEN/NOTIFY. */
export interface RedisChannelSettings {
  url: string;
  prefix: string;
}

export interface AttachOptions {
  log?: ChannelLog;
  redis?: RedisChannelSettings | null;
}

/** Creates the cache, guards `stores` with it and starts listening (on `databaseUrl`, or on Redis). */
export async function attachSessionCache(stores: Stores, settings: SessionCacheConfig, databaseUrl: string, options: AttachOptions = {}): Promise<AttachedSessionCache> {
  const { log, redis } = options;
  const cache = createSessionCache({ maxEntries: settings.maxEntries, maxAgeMs: settings.maxAgeMs, trustMs: settings.trustMs });
  const parts = { uow: stores.uow, sessions: stores.sessions, accounts: stores.accounts };
  if (redis) {
    const { redisChannelFor, startRedisSessionChannel } = await import('./redis-channel.js');
    const channel = await startRedisSessionChannel(cache, { url: redis.url, channel: redisChannelFor(databaseUrl, redis.prefix), pingMs: settings.pingMs, ...(log ? { log } : {}) });
    const guarded = guardSessionCache(cache, parts, { announce: reported(channel.publish, log) });
    return { stores: { ...stores, ...guarded }, cache, channel };
  }
  const guarded = guardSessionCache(cache, parts);
  const channel = await startPgSessionChannel(cache, { url: databaseUrl, pingMs: settings.pingMs, ...(log ? { log } : {}) });
  return { stores: { ...stores, ...guarded }, cache, channel };
}

/**
 * The session cache of a SQLite server: the same cache and guard, with the writer connection's
 * triggers and data version in place of a channel (sqlite-watch.ts).
 */
export async function attachSqliteSessionCache(stores: Stores, settings: SessionCacheConfig, writer: SqliteWriter): Promise<AttachedSessionCache> {
  const created = createSessionCache({ maxEntries: settings.maxEntries, maxAgeMs: settings.maxAgeMs, trustMs: settings.trustMs });
  const { cache, channel } = watchSqliteSessions(created, writer);
  const guarded = guardSessionCache(cache, { uow: stores.uow, sessions: stores.sessions, accounts: stores.accounts });
  return { stores: { ...stores, ...guarded }, cache, channel };
}

/**
 * For a process without a cache of its own (the `latchkey user` commands) on a database whose
 * nodes listen on Redis: its writes to sessions and accounts are published to them.
 */
export async function announceSessionChanges(stores: Stores, databaseUrl: string, redis: RedisChannelSettings, log: ChannelLog): Promise<{ stores: Stores; close(): Promise<void> }> {
  const { redisChannelFor, startRedisAnnouncer } = await import('./redis-channel.js');
  const announcer = await startRedisAnnouncer(redis.url, redisChannelFor(databaseUrl, redis.prefix));
  // A cache that is never trusted: it holds nothing, the guard only publishes.
  const cache = createSessionCache({ maxEntries: 1, maxAgeMs: 0, trustMs: 0 });
  const guarded = guardSessionCache(cache, { uow: stores.uow, sessions: stores.sessions, accounts: stores.accounts }, { announce: reported(announcer.publish, log) });
  return { stores: { ...stores, ...guarded }, close: () => announcer.close() };
}

/** `publish` whose failures are logged instead of failing the write that already committed. */
function reported(publish: (what: Invalidation) => Promise<void>, log?: ChannelLog): (what: Invalidation) => Promise<void> {
  return (what) =>
    publish(what).catch((err: unknown) => {
      log?.warn({ sessionCache: err instanceof Error ? err.message : String(err) }, 'session cache: a change could not be published to the other nodes');
    });
}

export type { SessionCache } from './cache.js';
export type { SessionChannel } from './pg-channel.js';
