/**
 * The only module that reads the environment. It turns `process.env` into a typed, validated
 * Config; any bad value becomes a ConfigError whose message is one line naming the variable.
 */
import { availableParallelism } from 'node:os';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string;
  logLevel: LogLevel;
  jwtIssuer: string;
  /** All lifetimes are in seconds. */
  accessTokenTtl: number;
  refreshIdleTtl: number;
  refreshAbsoluteTtl: number;
  refreshReuseGrace: number;
  sessionIdleTtl: number;
  sessionAbsoluteTtl: number;
  argon2: Argon2Params;
  hashConcurrency: number;
  hashQueueLimit: number;
  passwordMinLength: number;
  confirmTokenTtl: number;
  resetTokenTtl: number;
  passwordResetMode: 'link' | 'new_password';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const port = readInt(env, 'PORT', 3000, 0, 65535);
  const publicUrl = readOrigin(env, 'PUBLIC_URL', `http://localhost:${port}`);
  const cores = availableParallelism();
  const config: Config = {
    port,
    host: readString(env, 'HOST', '127.0.0.1'),
    publicUrl,
    databaseUrl: readDatabaseUrl(env),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    jwtIssuer: readString(env, 'JWT_ISSUER', publicUrl),
    accessTokenTtl: readDuration(env, 'ACCESS_TOKEN_TTL', 900, 1, 86400),
    refreshIdleTtl: readDuration(env, 'REFRESH_TOKEN_IDLE_TTL', 7 * 86400, 1, 400 * 86400),
    refreshAbsoluteTtl: readDuration(env, 'REFRESH_TOKEN_ABSOLUTE_TTL', 30 * 86400, 1, 400 * 86400),
    refreshReuseGrace: readDuration(env, 'REFRESH_REUSE_GRACE', 10, 0, 300),
    sessionIdleTtl: readDuration(env, 'SESSION_IDLE_TTL', 86400, 1, 400 * 86400),
    sessionAbsoluteTtl: readDuration(env, 'SESSION_ABSOLUTE_TTL', 14 * 86400, 1, 400 * 86400),
    argon2: {
      memoryKib: readInt(env, 'ARGON2_MEMORY_KIB', 19456, 19456, 4 * 1024 * 1024),
      timeCost: readInt(env, 'ARGON2_TIME_COST', 2, 2, 100),
      parallelism: readInt(env, 'ARGON2_PARALLELISM', 1, 1, 64),
    },
    hashConcurrency: readInt(env, 'HASH_CONCURRENCY', 2 * cores, 1, 1024),
    hashQueueLimit: readInt(env, 'HASH_QUEUE_LIMIT', 64 * cores, 0, 100000),
    passwordMinLength: readInt(env, 'PASSWORD_MIN_LENGTH', 8, 8, 1023),
    confirmTokenTtl: readDuration(env, 'CONFIRM_TOKEN_TTL', 86400, 1, 86400),
    resetTokenTtl: readDuration(env, 'RESET_TOKEN_TTL', 1800, 1, 3600),
    passwordResetMode: readEnum(env, 'PASSWORD_RESET_MODE', 'link', ['link', 'new_password'] as const),
  };
  return config;
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function fail(name: string, problem: string, value: string): never {
  throw new ConfigError(`${name} ${problem} (got ${JSON.stringify(value)})`);
}

function readString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) fail(name, 'must be a whole number', value);
  const n = Number(value);
  if (n < min || n > max) fail(name, `must be between ${min} and ${max}`, value);
  return n;
}

function readDuration(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (!match) fail(name, 'must be a duration in seconds, or with a unit like 15m, 2h or 7d', value);
  const seconds = Number(match[1]) * (DURATION_UNITS[match[2] || 's'] ?? 1);
  if (seconds < min || seconds > max) fail(name, `must be between ${min} and ${max} seconds`, value);
  return seconds;
}

function readEnum<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) fail(name, `must be one of ${allowed.join(', ')}`, value);
  return value as T;
}

function readOrigin(env: Env, name: string, fallback: string): string {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(name, 'must be an absolute http(s) URL such as https://accounts.example.com', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(name, 'must use http or https', value);
  if (url.pathname !== '/' || url.search || url.hash || url.username) {
    fail(name, 'must be an origin only: scheme, host and optional port, no path or query', value);
  }
  return url.origin;
}

function readDatabaseUrl(env: Env): string {
  const value = raw(env, 'DATABASE_URL') ?? 'sqlite:./data/latchkey.db';
  if (/^sqlite:.+/.test(value) || /^postgres(ql)?:\/\/.+/.test(value)) return value;
  return fail('DATABASE_URL', 'must start with sqlite: or postgres://', value);
}
