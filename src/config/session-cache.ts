/**
 * Settings of the node-local session cache (docs/decisions.md, "Session cache on PostgreSQL
 * nodes", and its part *On SQLite*; src/store/session-cache/).
 */
import { readDuration, readEnum, readInt, type Env } from './read.js';

export interface SessionCacheConfig {
  /** SESSION_CACHE (on | off, default on): a node keeps accepted session lookups in memory. */
  enabled: boolean;
  /** SESSION_CACHE_SIZE: sessions kept at most per node (default 10,000). */
  maxEntries: number;
  /** SESSION_CACHE_MAX_AGE (seconds, default 30): longest a copy is served after it was read. */
  maxAgeMs: number;
  /** How often the channel's heartbeat goes out, ms (SESSION_CACHE_HEARTBEAT_MS, default 200). */
  pingMs: number;
  /** How long a returned heartbeat vouches for the channel, ms: five heartbeats. */
  trustMs: number;
}

/** Reads the session cache settings. */
export function readSessionCacheConfig(env: Env): SessionCacheConfig {
  const pingMs = readInt(env, 'SESSION_CACHE_HEARTBEAT_MS', 200, 20, 10_000);
  return {
    enabled: readEnum(env, 'SESSION_CACHE', 'on', ['on', 'off'] as const) === 'on',
    maxEntries: readInt(env, 'SESSION_CACHE_SIZE', 10_000, 1, 1_000_000),
    maxAgeMs: readDuration(env, 'SESSION_CACHE_MAX_AGE', 30, 1, 3600) * 1000,
    pingMs,
    trustMs: pingMs * 5,
  };
}
