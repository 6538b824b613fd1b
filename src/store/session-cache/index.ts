/**
 * The session cache of a PostgreSQL node, assembled: the cache (cache.ts), the guard on this
 * node's own writes (guard.ts) and the notification channel (pg-channel.ts). Loaded only when
 * the database is PostgreSQL and SESSION_CACHE is on (start-up, memory).
 */
import type { SessionCacheConfig } from '../../config/session-cache.js';
import type { Stores } from '../index.js';
import { createSessionCache, type SessionCache } from './cache.js';
import { guardSessionCache } from './guard.js';
import { startPgSessionChannel, type ChannelLog, type SessionChannel } from './pg-channel.js';

export interface AttachedSessionCache {
  /** The stores with this node's writes invalidating the cache. */
  stores: Stores;
  cache: SessionCache;
  channel: SessionChannel;
}

/** Creates the cache, guards `stores` with it and starts listening on `databaseUrl`. */
export async function attachSessionCache(stores: Stores, settings: SessionCacheConfig, databaseUrl: string, log?: ChannelLog): Promise<AttachedSessionCache> {
  const cache = createSessionCache({ maxEntries: settings.maxEntries, maxAgeMs: settings.maxAgeMs, trustMs: settings.trustMs });
  const guarded = guardSessionCache(cache, { uow: stores.uow, sessions: stores.sessions, accounts: stores.accounts });
  const channel = await startPgSessionChannel(cache, { url: databaseUrl, pingMs: settings.pingMs, ...(log ? { log } : {}) });
  return { stores: { ...stores, ...guarded }, cache, channel };
}

export type { SessionCache } from './cache.js';
export type { SessionChannel } from './pg-channel.js';
