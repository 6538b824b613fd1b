/** What the core is built from: its ports and the policy numbers it enforces. */
import type { PasswordRules } from './credentials/password-policy.js';
import type { ThrottlePolicy } from './credentials/throttle.js';
import type { AddressLimitPolicy } from './credentials/address-limits.js';
import type { SecondFactorDeps } from './mfa/ports.js';
import type {
  AccessTokenSigner,
  AccountStore,
  AuditLog,
  Clock,
  KeyStore,
  OneTimeTokenStore,
  Outbox,
  PasswordHasher,
  PromoStore,
  SessionStore,
  ThrottleStore,
  UnitOfWork,
} from './ports.js';

/** Lifetimes in seconds and the password rules. */
export interface CorePolicy {
  accessTokenTtl: number;
  refreshIdleTtl: number;
  refreshAbsoluteTtl: number;
  refreshReuseGrace: number;
  sessionIdleTtl: number;
  sessionAbsoluteTtl: number;
  /** What a new password must be: minimum length and the common-password list. */
  passwordRules: PasswordRules;
  /** A session's last-seen time is written at most this often (seconds), to keep reads cheap. */
  touchInterval: number;
  /** Lifetime of an email-confirmation (set-password) link, seconds. */
  confirmTokenTtl: number;
  /** Lifetime of a password-reset link, seconds. */
  resetTokenTtl: number;
  /** 'link' emails a reset link; 'new_password' (seed 001 compatibility) emails a new password. */
  resetMode: 'link' | 'new_password';
  /** Login throttling per identifier and per client address. */
  throttle: ThrottlePolicy;
  /** Domains `user@domain` accounts may be registered under (seed 001); null or empty: any. */
  accountDomains?: readonly string[] | null;
  /** Per-client-address hourly limits on account creation and on mail requests. */
  addressLimits: AddressLimitPolicy;
  /** Rotations a refresh chain may make per minute (grace re-issues not counted); default 10. */
  refreshRotationsPerMinute?: number;
  /** Live sessions per account; a login beyond it ends the least recently used (src/core/sessions/lifecycle.ts). Unset: no cap. */
  maxSessionsPerAccount?: number;
}

export interface CoreDeps {
  uow: UnitOfWork;
  accounts: AccountStore;
  sessions: SessionStore;
  keys: KeyStore;
  hasher: PasswordHasher;
  signer: AccessTokenSigner;
  clock: Clock;
  policy: CorePolicy;
  tokens: OneTimeTokenStore;
  promos: PromoStore;
  throttle: ThrottleStore;
  outbox: Outbox;
  /**
   * Server secret (shared by every node through the database) keying refresh-token successors
   * and CSRF tokens, each with its own label.
   */
  serverKey: string;
  /** Where security events go (the audit_events table and the log). */
  audit: AuditLog;
  /** TOTP factors, recovery codes and pending second steps (src/core/mfa). */
  secondFactor: SecondFactorDeps;
  /** Called at every keyed derivation of the refresh path (a probe for tests and profiling). */
  onRefreshMac?: () => void;
}

/** The entry point a request used; recorded with audit events. */
export type Surface = 'jwt' | 'basic' | 'cookie' | 'page' | 'service' | 'admin' | 'cli';

/** Where a request came from, recorded on sessions and audit events. */
export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
  /** The request id (the X-Request-Id of the answer). */
  requestId?: string | null;
  /** Which surface the request came through. */
  surface?: Surface | null;
}
