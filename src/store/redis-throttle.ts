/**
 * ThrottleStore on Redis (REDIS_URL): the login throttle, the per-address limits, the mail budget
 * and the service-key rate limit count here instead of in login_throttle, so every node sharing
 * the Redis server (and REDIS_PREFIX) shares one budget. Per-address counters are shared even by
 * nodes on separate databases; per-account and mail-budget keys hold an account id or a hash
 * keyed with the database's server key, so they are shared by the nodes of one database.
 *
 * Stored: one hash per counter, `<prefix>throttle:<key>` with fields f (failures), w (window
 * start), b (blocked until) and s (the time of the last failure), all in the app's milliseconds.
 * Each operation is one Lua script (EVALSHA, one round trip), so N simultaneous failures count N,
 * exactly like the SQL upsert. Each hash expires once its window and its block are over (the
 * point from which it behaves as if absent), which is the forgetting the cleanup job does for
 * the table.
 *
 * Redis down or slow: every command fails within the connect/command timeouts (no offline queue,
 * one retry) and becomes UNAVAILABLE (503 with Retry-After), so a login is refused rather than
 * answered without a throttle (fail closed) and never hangs. The port's Tx is ignored: a counter
 * taken inside a transaction that then rolls back stays spent, which only ever refuses more.
 */
import { Redis, ReplyError } from 'ioredis';
import type { ThrottleState, ThrottleStore } from '../core/credentials/ports.js';
import { AuthError } from '../core/errors.js';

/** A ThrottleStore on Redis, with the connection's own life cycle. */
export interface RedisThrottleStore extends ThrottleStore {
  /** True when Redis answers PING now (for /readyz). */
  ping(): Promise<boolean>;
  /** Resolves true once connected, false after `timeoutMs` without a connection. */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
  /** Closes the connection. */
  close(): Promise<void>;
}

export interface RedisThrottleOptions {
  /** Prepended to every key (REDIS_PREFIX); default `latchkey:`. */
  prefix?: string;
  /** Connect and command timeout, ms; default 1500. */
  timeoutMs?: number;
  /** Called when the connection is lost or refused (once per outage), with a message holding no secret. */
  onDown?: (message: string) => void;
  /** Called when the connection is back after an outage. */
  onUp?: () => void;
}

// Extra life given to each hash beyond the moment it stops mattering, ms (clock skew between nodes).
const MARGIN_MS = 60_000;

const RECORD_FAILURE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'f', 'w', 'b')
local failures, start, blocked = 1, now, 0
if state[1] then
  blocked = tonumber(state[3]) or 0
  local previous = tonumber(state[2])
  if previous > now - window then
    failures = tonumber(state[1]) + 1
    start = previous
  end
end
redis.call('HSET', KEYS[1], 'f', failures, 'w', string.format('%.0f', start), 'b', string.format('%.0f', blocked), 's', string.format('%.0f', now))
local keep = math.max(start + window, blocked) - now
if keep < 0 then keep = 0 end
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', keep + tonumber(ARGV[3])))
return {failures, string.format('%.0f', start), string.format('%.0f', blocked)}
`;

// Like the SQL UPDATE: a key with no counter is left alone.
const BLOCK = `
local seen = redis.call('HGET', KEYS[1], 's')
if not seen then return 0 end
redis.call('HSET', KEYS[1], 'b', ARGV[1])
local keep = tonumber(ARGV[1]) - tonumber(seen) + tonumber(ARGV[2])
if keep > redis.call('PTTL', KEYS[1]) then redis.call('PEXPIRE', KEYS[1], string.format('%.0f', keep)) end
return 1
`;

const BLOCKED_UNTIL = `
local latest = 0
for _, key in ipairs(KEYS) do
  local b = tonumber(redis.call('HGET', key, 'b') or '0') or 0
  if b > latest then latest = b end
end
return string.format('%.0f', latest)
`;

interface ThrottleCommands {
  latchkeyRecordFailure(key: string, now: string, windowMs: string, margin: string): Promise<[number, string, string]>;
  latchkeyBlock(key: string, until: string, margin: string): Promise<number>;
  latchkeyBlockedUntil(keyCount: number, ...keys: string[]): Promise<string>;
}

/** An error meaning our script or our call is wrong (a bug), as opposed to Redis being unreachable or busy. */
function isScriptBug(err: unknown): boolean {
  if (!(err instanceof ReplyError)) return false;
  const message = (err as Error).message;
  return /^(ERR|WRONGTYPE)\b/.test(message) && !/^ERR max number of clients/.test(message);
}

/** Connects to Redis at `url` (not waiting for the connection) and returns the store on it. */
export function createRedisThrottleStore(url: string, options: RedisThrottleOptions = {}): RedisThrottleStore {
  const prefix = `${options.prefix ?? 'latchkey:'}throttle:`;
  const timeout = options.timeoutMs ?? 1500;
  const redis = new Redis(url, {
    connectTimeout: timeout,
    commandTimeout: timeout,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // Keep trying to reconnect, at most a second apart, so service resumes soon after an outage.
    retryStrategy: (times) => Math.min(times * 100, 1000),
    lazyConnect: false,
  });
  redis.defineCommand('latchkeyRecordFailure', { numberOfKeys: 1, lua: RECORD_FAILURE });
  redis.defineCommand('latchkeyBlock', { numberOfKeys: 1, lua: BLOCK });
  redis.defineCommand('latchkeyBlockedUntil', { lua: BLOCKED_UNTIL });
  const commands = redis as unknown as ThrottleCommands;

  // Only the message: a ReplyError can carry the failed command with its arguments (AUTH's password).
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    options.onDown?.(err.message);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    options.onUp?.();
  });

  async function run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (isScriptBug(err)) throw new Error(`redis throttle store: ${(err as Error).message}`);
      throw new AuthError('UNAVAILABLE', 'the service is temporarily unavailable', { retryAfter: 2 });
    }
  }

  return {
    async blockedUntil(_tx, keys) {
      if (keys.length === 0) return 0;
      const latest = await run(() => commands.latchkeyBlockedUntil(keys.length, ...keys.map((k) => prefix + k)));
      return Number(latest);
    },

    async subjectState(_tx, key) {
      // The script answers the block only: a success clears the key as before (one DEL).
      const latest = await run(() => commands.latchkeyBlockedUntil(1, prefix + key));
      return { blockedUntil: Number(latest), counted: true };
    },

    async recordFailure(_tx, key, now, windowMs): Promise<ThrottleState> {
      const [failures, start, blocked] = await run(() =>
        commands.latchkeyRecordFailure(prefix + key, String(now), String(windowMs), String(MARGIN_MS)),
      );
      return { failures: Number(failures), windowStart: Number(start), blockedUntil: Number(blocked) };
    },

    async block(_tx, key, until) {
      await run(() => commands.latchkeyBlock(prefix + key, String(until), String(MARGIN_MS)));
    },

    async reset(_tx, key) {
      await run(() => redis.del(prefix + key));
    },

    async ping() {
      try {
        return (await redis.ping()) === 'PONG';
      } catch {
        return false;
      }
    },

    waitUntilReady(timeoutMs) {
      if (redis.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          redis.off('ready', onReady);
          resolve(false);
        }, timeoutMs);
        const onReady = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        redis.once('ready', onReady);
      });
    },

    async close() {
      redis.disconnect();
    },
  };
}
