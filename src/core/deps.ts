/** What the core is built from: its ports and the policy numbers it enforces. */
import type { AccountStore } from './accounts/ports.js';
import type { AuditLog } from './audit/ports.js';
import type { AddressLimitPolicy, PasswordHasher, PasswordRules, ThrottlePolicy, ThrottleStore } from './credentials/ports.js';
import type { OneTimeTokenStore } from './email-flows/ports.js';
import type { Outbox } from './outbox/ports.js';
import type { Clock, UnitOfWork } from './ports.js';
import type { PromoStore } from './promo/ports.js';
import type { SessionStore } from './sessions/ports.js';
import type { AccessTokenSigner, KeyStore } from './tokens/ports.js';
import type { SessionLookupCache } from './sessions/ports.js';
import type { SecondFactorDeps } from './mfa/ports.js';

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
  /** 'link' emails a reset link; 'new_password' (the HTTP Basic API's original behaviour, README "The HTTP Basic API") emails a new password. */
  resetMode: 'link' | 'new_password';
  /** Login throttling per identifier and per client address. */
  throttle: ThrottlePolicy;
  /** Domains `user@domain` accounts may be registered under (README, "The HTTP Basic API"); null or empty: any. */
  accountDomains?: readonly string[] | null;
  /** Per-client-address hourly limits on account creation and on mail requests. */
  addressLimits: AddressLimitPolicy;
  /** Rotations a refresh chain may make per minute (grace re-issues not counted); default 10. */
  refreshRotationsPerMinute?: number;
  /** Live sessions per account; a login beyond it ends the least recently used (src/core/sessions/lifecycle.ts). Unset: no cap. */
  maxSessionsPerAccount?: number;
  /** LOGIN_AFTER_LINK: a confirmation or reset link used on the pages signs the account in (src/core/email-flows/sign-in-after-link.ts); unset: true. */
  loginAfterLink?: boolean;
  /** The languages emails can be written in (src/core/accounts/locale.ts); unset: any language code. */
  languages?: readonly string[];
  /** REQUIRE_MFA: an account must have a second factor (src/core/mfa/require.ts); unset: false. */
  requireMfa?: boolean;
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
  /** The node-local cache of accepted session lookups (PostgreSQL nodes; src/core/sessions/ports.ts); unset: none. */
  sessionCache?: SessionLookupCache;
  /** TOTP factors, recovery codes and pending second steps (src/core/mfa). */
  secondFactor: SecondFactorDeps;
  /** Called at every keyed derivation of the refresh path (a probe for tests and profiling). */
  onRefreshMac?: () => void;
}

