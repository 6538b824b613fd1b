/**
 * The Redis server the Redis-mode tests use: TEST_REDIS_URL (default redis://127.0.0.1:6379).
 * The server is shared, so each test works under its own random prefix and deletes only that
 * prefix's keys afterwards (SCAN + DEL; never FLUSHALL or FLUSHDB).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** A Redis client for test bookkeeping (fails fast, never queues). */
export function openTestRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
}

/**
 * Null when Redis answers at TEST_REDIS_URL, else the reason to skip (one line). With
 * REQUIRE_REDIS=1 (set by .ci/run) an unreachable Redis is an error, not a skip: it throws, so
 * the test file fails loudly.
 */
export async function redisSkipReason(): Promise<string | null> {
  const redis = openTestRedis();
  redis.on('error', () => {});
  let reason: string | null = null;
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    reason = `Redis is not reachable at TEST_REDIS_URL (${new URL(TEST_REDIS_URL).host}) (the Redis tests need it)`;
  } finally {
    redis.disconnect();
  }
  return requireOrSkip('REQUIRE_REDIS', reason);
}

/**
 * `reason` (a test's reason to skip), unless the environment variable `flag` is 1: then a missing
 * requirement fails the file with that reason instead of skipping it.
 */
export function requireOrSkip(flag: string, reason: string | null): string | null {
  if (reason !== null && process.env[flag] === '1') throw new Error(`${flag}=1 but: ${reason}`);
  return reason;
}

/** A fresh key prefix, e.g. `lktest:3f9a0c1b2d4e:`. */
export function newRedisPrefix(): string {
  return `lktest:${randomBytes(6).toString('hex')}:`;
}

/** The keys under `prefix` (SCAN, not KEYS). */
export async function redisKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** Deletes every key under `prefix`, and only those; resolves to how many there were. */
export async function deleteRedisPrefix(prefix: string): Promise<number> {
  const redis = openTestRedis();
  redis.on('error', () => {});
  try {
    await redis.connect();
    const keys = await redisKeys(redis, prefix);
    if (keys.length > 0) await redis.del(...keys);
    return keys.length;
  } finally {
    redis.disconnect();
  }
}
