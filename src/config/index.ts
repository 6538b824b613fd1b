/**
 * The only module that reads the environment. It turns `process.env` into a typed, validated
 * Config; any bad value becomes a ConfigError whose message is one line naming the variable.
 */
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { createMasterKey, parseMasterKeyText, type MasterKey } from '../core/secrets/master-key.js';
import { readDatabaseUrl } from './database.js';
import { readRuntimeSettings, type RuntimeSettings } from './runtime.js';
import { ConfigError, fail, raw, readDuration, readEnum, readInt, readString, type Env } from './read.js';
import { readSessionCacheConfig, type SessionCacheConfig } from './session-cache.js';
import { readSelfServiceConfig, type SelfServiceConfig } from './self-service.js';

export type { ReturnToRule, SelfServiceConfig } from './self-service.js';
import { readOidcConfig, type OidcConfig } from './oidc.js';
import { readBrandConfig, type BrandConfig } from './brand.js';
import { readMfaConfig, type MfaConfig } from './mfa.js';

export type { BrandConfig, Language } from './brand.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

export interface Config extends RuntimeSettings {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string;
  /** PostgreSQL connections per node. */
  databasePoolSize: number;
  logLevel: LogLevel;
  jwtIssuer: string;
  /** All lifetimes are in seconds. */
  accessTokenTtl: number;
  /** REQUEST_TIMEOUT: seconds a client has to send a whole request (headers and body). */
  requestTimeout: number;
  refreshIdleTtl: number;
  refreshAbsoluteTtl: number;
  refreshReuseGrace: number;
  sessionIdleTtl: number;
  sessionAbsoluteTtl: number;
  argon2: Argon2Params;
  hashConcurrency: number;
  /** argon2id hashes at once on libuv's thread pool (src/crypto/argon2-pool.ts); more than the cores only adds memory. */
  hashThreads: number;
  /** Consecutive failed logins per identifier before delays start. */
  loginFreeFailures: number;
  /** Longest delay after repeated failures, seconds. */
  loginMaxDelay: number;
  /** Failed logins per client address per minute before the address waits. */
  loginIpFailuresPerMinute: number;
  /** How often a node deletes expired rows, in milliseconds. */
  cleanupIntervalMs: number;
  /** AUDIT_RETENTION_DAYS: audit events older than this many days are deleted by the cleanup. */
  auditRetentionDays: number;
  /** AUDIT_AGGREGATE_WINDOW: seconds over which repeated refusals of one key are folded into one counted row. */
  auditAggregateWindow: number;
  /** MAX_SESSIONS_PER_ACCOUNT: live sessions per account; a login beyond it ends the least recently used. */
  maxSessionsPerAccount: number;
  /** MAX_INFLIGHT_PER_ADDRESS: requests in flight per client address before a fast 429; 0: no limit. */
  maxInflightPerAddress: number;
  hashQueueLimit: number;
  passwordMinLength: number;
  confirmTokenTtl: number;
  resetTokenTtl: number;
  passwordResetMode: 'link' | 'new_password';
  /** ACCOUNT_DOMAINS: domains `user@domain` accounts may be created under (README, the Basic API); null: any. */
  accountDomains: string[] | null;
  /** SMTP server URL (smtp:// or smtps://); null means the dev outbox (messages logged, not sent). */
  smtpUrl: string | null;
  /** The From header of every email; never holds CR or LF. */
  mailFrom: string;
  /** How often the outbox sender looks for due messages, in milliseconds. */
  outboxPollIntervalMs: number;
  /** The longest wait between two delivery attempts of one email, in milliseconds. */
  outboxMaxBackoffMs: number;
  /** Name of the cookie-session cookie (the cookie API's `sessionid`, README). */
  sessionCookieName: string;
  /** Name of the CSRF cookie (the cookie API's `csrftoken`, README). */
  csrfCookieName: string;
  /** Prefix both cookie names with `__Host-` when PUBLIC_URL is https. */
  cookieHostPrefix: boolean;
  /** CORS_ORIGINS: exact origins allowed to call with credentials (CORS); empty: no CORS at all. */
  corsOrigins: string[];
  /** TRUST_PROXY: addresses/CIDRs of the proxies whose X-Forwarded-For is believed; null: none. */
  trustProxy: string[] | null;
  /** Account creations (every sign-up path) per client address per hour. */
  registrationsPerIpHour: number;
  /** Reset requests and confirmation resends per client address per hour. */
  mailRequestsPerIpHour: number;
  /** Unusable refresh tokens and email links per client address per minute before 429. */
  tokenFailuresPerIpMinute: number;
  /** Rotations one refresh chain may make per minute (REFRESH_ROTATIONS_PER_MINUTE). */
  refreshRotationsPerMinute: number;
  /** METRICS_TOKEN: the bearer token that opens /metrics on the main port; null: not served there. */
  metricsToken: string | null;
  /** METRICS_PORT: a separate listener serving only /metrics, with no token; null: no such listener. */
  metricsPort: number | null;
  /** METRICS_HOST: the address of the metrics listener (default HOST). */
  metricsHost: string;
  /** ADMIN_API_KEY: the bearer key of /api/v1/admin; null: the admin API is off (404). */
  adminApiKey: string | null;
  /** REDIS_URL (redis:// or rediss://): throttle and rate-limit counters live there; null: in the database. */
  redisUrl: string | null;
  /** REDIS_PREFIX: prepended to every Redis key (default `latchkey:`). */
  redisPrefix: string;
  /** MASTER_KEY or MASTER_KEY_FILE: encrypts the secrets at rest in the database; null: stored clear. */
  masterKey: MasterKey | null;
  /** The session cache of PostgreSQL nodes (src/config/session-cache.ts). */
  sessionCache: SessionCacheConfig;
  /** RETURN_TO_ORIGINS, LOGIN_AFTER_LINK, COOKIE_DOMAIN (src/config/self-service.ts). */
  selfService: SelfServiceConfig;
  /** OIDC_PROVIDER: the OpenID Connect provider (src/config/oidc.ts). */
  oidc: OidcConfig;
  /** BRAND_*, TEMPLATES_DIR, DEFAULT_LANGUAGE: what end users see (src/config/brand.ts). */
  brand: BrandConfig;
  /** REQUIRE_MFA, MFA_STEP_TTL, MFA_STEP_ATTEMPTS (src/config/mfa.ts). */
  mfa: MfaConfig;
}

export { ConfigError };

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** What a command allows beyond the defaults. */
export interface LoadOptions {
  /** A SQLite file whose folder does not exist yet is fine (`latchkey restore` creates it). */
  sqliteFolderMayBeMissing?: boolean;
}

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env, options: LoadOptions = {}): Config {
  const port = readInt(env, 'PORT', 3000, 0, 65535);
  const publicUrl = readOrigin(env, 'PUBLIC_URL', `http://localhost:${port}`);
  const cores = availableParallelism();
  const config: Config = {
    port,
    host: readString(env, 'HOST', '127.0.0.1'),
    publicUrl,
    databaseUrl: readDatabaseUrl(env, { folderMayBeMissing: options.sqliteFolderMayBeMissing === true }),
    databasePoolSize: readInt(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    jwtIssuer: readString(env, 'JWT_ISSUER', publicUrl),
    accessTokenTtl: readDuration(env, 'ACCESS_TOKEN_TTL', 900, 1, 86400),
    requestTimeout: readDuration(env, 'REQUEST_TIMEOUT', 30, 2, 600),
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
    hashThreads: readInt(env, 'HASH_THREADS', cores, 1, 256),
    loginFreeFailures: readInt(env, 'LOGIN_FREE_FAILURES', 5, 1, 99),
    loginMaxDelay: readDuration(env, 'LOGIN_MAX_DELAY', 900, 1, 3600),
    loginIpFailuresPerMinute: readInt(env, 'LOGIN_IP_FAILURES_PER_MINUTE', 20, 1, 100000),
    cleanupIntervalMs: readDuration(env, 'CLEANUP_INTERVAL', 600, 10, 86400) * 1000,
    auditRetentionDays: readInt(env, 'AUDIT_RETENTION_DAYS', 90, 1, 36500),
    auditAggregateWindow: readDuration(env, 'AUDIT_AGGREGATE_WINDOW', 60, 1, 3600),
    maxSessionsPerAccount: readInt(env, 'MAX_SESSIONS_PER_ACCOUNT', 100, 1, 100_000),
    maxInflightPerAddress: readInt(env, 'MAX_INFLIGHT_PER_ADDRESS', 64, 0, 100_000),
    hashQueueLimit: readInt(env, 'HASH_QUEUE_LIMIT', 64 * cores, 0, 100000),
    passwordMinLength: readInt(env, 'PASSWORD_MIN_LENGTH', 8, 8, 1023),
    confirmTokenTtl: readDuration(env, 'CONFIRM_TOKEN_TTL', 86400, 1, 86400),
    resetTokenTtl: readDuration(env, 'RESET_TOKEN_TTL', 1800, 1, 3600),
    passwordResetMode: readEnum(env, 'PASSWORD_RESET_MODE', 'link', ['link', 'new_password'] as const),
    accountDomains: readDomainList(env, 'ACCOUNT_DOMAINS'),
    smtpUrl: readSmtpUrl(env),
    mailFrom: readMailFrom(env, raw(env, 'BRAND_NAME')),
    outboxPollIntervalMs: readDuration(env, 'OUTBOX_POLL_INTERVAL', 2, 1, 3600) * 1000,
    outboxMaxBackoffMs: readDuration(env, 'OUTBOX_MAX_BACKOFF', 300, 2, 86400) * 1000,
    sessionCookieName: readCookieName(env, 'SESSION_COOKIE_NAME', 'sessionid'),
    csrfCookieName: readCookieName(env, 'CSRF_COOKIE_NAME', 'csrftoken'),
    cookieHostPrefix: readEnum(env, 'COOKIE_HOST_PREFIX', 'false', ['true', 'false'] as const) === 'true',
    metricsToken: readMetricsToken(env),
    metricsPort: readMetricsPort(env, port),
    metricsHost: readString(env, 'METRICS_HOST', readString(env, 'HOST', '127.0.0.1')),
    corsOrigins: readCorsOrigins(env, 'CORS_ORIGINS'),
    trustProxy: readTrustProxy(env, 'TRUST_PROXY'),
    registrationsPerIpHour: readInt(env, 'REGISTRATION_PER_IP_HOUR', 20, 1, 1_000_000),
    mailRequestsPerIpHour: readInt(env, 'MAIL_REQUESTS_PER_IP_HOUR', 20, 1, 1_000_000),
    tokenFailuresPerIpMinute: readInt(env, 'TOKEN_FAILURES_PER_IP_MINUTE', 30, 1, 1_000_000),
    refreshRotationsPerMinute: readInt(env, 'REFRESH_ROTATIONS_PER_MINUTE', 10, 1, 1_000_000),
    adminApiKey: readAdminApiKey(env),
    redisUrl: readRedisUrl(env),
    redisPrefix: readRedisPrefix(env),
    masterKey: readMasterKey(env),
    ...readRuntimeSettings(env),
    sessionCache: readSessionCacheConfig(env),
    selfService: readSelfServiceConfig(env, publicUrl, readEnum(env, 'COOKIE_HOST_PREFIX', 'false', ['true', 'false'] as const) === 'true'),
    oidc: readOidcConfig(env),
    brand: readBrandConfig(env),
    mfa: readMfaConfig(env),
  };
  return config;
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

// RFC 6265 token characters only, and no prefix of our own: COOKIE_HOST_PREFIX adds `__Host-`.
function readCookieName(env: Env, name: string, fallback: string): string {
  const value = readString(env, name, fallback);
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(value) || /^__(host|secure)-/i.test(value)) {
    fail(name, 'must be 1 to 64 letters, digits or -_. without a __Host-/__Secure- prefix', value);
  }
  return value;
}

// Comma-separated DNS names (letters, digits, hyphens, dots), compared case-insensitively.
function readDomainList(env: Env, name: string): string[] | null {
  const value = raw(env, name);
  if (value === undefined) return null;
  const domains = value.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  for (const d of domains) {
    if (d.length > 253 || !d.includes('.') || !d.split('.').every((l) => label.test(l))) fail(name, 'must be a comma-separated list of domains like example.com', value);
  }
  return domains.length ? domains : null;
}

// Exact origins as browsers send them in Origin: scheme://host[:port], no path, no wildcard.
function readCorsOrigins(env: Env, name: string): string[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  const origins = new Set<string>();
  for (const item of value.split(',').map((o) => o.trim()).filter(Boolean)) {
    const match = /^(https?):\/\/([^/?#@*\s]+)$/i.exec(item);
    let url: URL | null = null;
    try {
      url = match ? new URL(item) : null;
    } catch {
      url = null;
    }
    if (url === null || url.hostname === '') {
      fail(name, 'must be a comma-separated list of exact origins like https://app.example.com (scheme, host, optional port; no path, no *)', value);
    }
    origins.add(url.origin);
  }
  return [...origins];
}

// Proxy addresses or CIDR ranges, never a hop count or "everything": a hop count or 0.0.0.0/0
// would believe an X-Forwarded-For sent by any client that reaches the node directly.
function readTrustProxy(env: Env, name: string): string[] | null {
  const value = raw(env, name);
  if (value === undefined) return null;
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      fail(name, 'must be a comma-separated list of proxy addresses or CIDR ranges like 127.0.0.1,10.0.0.0/8 (no hop count, no /0)', value);
    }
  }
  return entries.length ? entries : null;
}

// A bearer secret: errors never echo it. Token characters only (it travels in a header).
function readMetricsToken(env: Env): string | null {
  const value = raw(env, 'METRICS_TOKEN');
  if (value === undefined) return null;
  if (!/^[A-Za-z0-9._~+/=-]{16,256}$/.test(value)) {
    throw new ConfigError('METRICS_TOKEN must be 16 to 256 letters, digits or ._~+/=- (value not shown: it is a secret)');
  }
  return value;
}

// The admin credential: long enough that guessing is hopeless, token characters only (it
// travels in a header); errors never echo it.
function readAdminApiKey(env: Env): string | null {
  const value = raw(env, 'ADMIN_API_KEY');
  if (value === undefined) return null;
  if (!/^(?=.{32,512}$)[A-Za-z0-9._~+/-]+=*$/.test(value)) {
    throw new ConfigError('ADMIN_API_KEY must be 32 to 512 letters, digits or ._~+/- with optional trailing = (value not shown: it is a secret); e.g. openssl rand -base64 32');
  }
  return value;
}

// The master key: 64 hex digits or base64 of 32 bytes, inline or in a file; never echoed.
function readMasterKey(env: Env): MasterKey | null {
  const inline = raw(env, 'MASTER_KEY');
  const file = raw(env, 'MASTER_KEY_FILE');
  if (inline !== undefined && file !== undefined) throw new ConfigError('set MASTER_KEY or MASTER_KEY_FILE, not both');
  if (inline === undefined && file === undefined) return null;
  let text = inline;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`MASTER_KEY_FILE cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'} (${JSON.stringify(file)})`);
    }
  }
  const bytes = parseMasterKeyText(text ?? '');
  const name = file !== undefined ? 'MASTER_KEY_FILE' : 'MASTER_KEY';
  if (!bytes) throw new ConfigError(`${name} must hold 32 bytes as 64 hex digits or base64 (value not shown: it is a secret); e.g. openssl rand -hex 32`);
  return createMasterKey(bytes);
}

function readMetricsPort(env: Env, mainPort: number): number | null {
  if (raw(env, 'METRICS_PORT') === undefined) return null;
  const port = readInt(env, 'METRICS_PORT', 0, 0, 65535);
  if (port !== 0 && port === mainPort) fail('METRICS_PORT', 'must differ from PORT', String(port));
  return port;
}

// A URL that may carry a password (SMTP_URL, REDIS_URL): errors name the problem but never echo the value.
function readSecretUrl(env: Env, name: string, protocols: readonly string[], shape: string, valid: (url: URL) => boolean = () => true): string | null {
  const value = raw(env, name);
  if (value === undefined) return null;
  const problem = `must look like ${shape} (value not shown: it may hold a password)`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} ${problem}`);
  }
  if (!protocols.includes(url.protocol) || !url.hostname || !valid(url)) throw new ConfigError(`${name} ${problem}`);
  return value;
}

function readSmtpUrl(env: Env): string | null {
  return readSecretUrl(env, 'SMTP_URL', ['smtp:', 'smtps:'], 'smtp://user:pass@host:port or smtps://host');
}

// Unset, the sender's name is BRAND_NAME (quoted, docs/branding.md#emails), so no email says "Latchkey" once a brand is set.
function readMailFrom(env: Env, brandName: string | undefined): string {
  const value = env.MAIL_FROM;
  if (value !== undefined && /[\r\n]/.test(value)) fail('MAIL_FROM', 'must not contain line breaks', value);
  const name = brandName === undefined ? 'Latchkey' : `"${brandName.replace(/[\\"]/g, '\\$&')}"`;
  const from = raw(env, 'MAIL_FROM') ?? `${name} <no-reply@localhost>`;
  if (!/^[^<>@\s]+@[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(from)) {
    fail('MAIL_FROM', 'must be an address like no-reply@example.com or Name <no-reply@example.com>', from);
  }
  return from;
}

function readRedisUrl(env: Env): string | null {
  const validDb = (url: URL): boolean => url.pathname === '' || url.pathname === '/' || /^\/\d{1,5}$/.test(url.pathname);
  return readSecretUrl(env, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://[:password@]host[:port][/db] or rediss://...', validDb);
}

function readRedisPrefix(env: Env): string {
  const value = raw(env, 'REDIS_PREFIX') ?? 'latchkey:';
  if (!/^[A-Za-z0-9:_.\-{}]{1,100}$/.test(value)) fail('REDIS_PREFIX', 'must be 1 to 100 letters, digits or : _ . - { }', value);
  return value;
}
