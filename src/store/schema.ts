/** Table shapes as stored. Times are milliseconds since the epoch (bigint), ids are text UUIDs. */
import type { OutboxRow } from '../core/outbox/ports.js';
import type { OidcTables } from './oidc-schema.js';

export interface AccountsTable {
  id: string;
  username: string | null;
  username_key: string | null;
  email: string | null;
  email_key: string | null;
  email_verified_at: number | null;
  password_hash: string | null;
  status: 'pending' | 'active' | 'disabled';
  promo_code: string | null;
  created_at: number;
  updated_at: number;
  /** The language of the account's emails (`en`, `de`); null: DEFAULT_LANGUAGE. */
  locale: string | null;
}

/** Indexes: account_id, family_id, and the live sessions by account_id where revoked_at is null (not by last_seen_at, which every rotation and touch changes). */
export interface SessionsTable {
  id: string;
  secret_hash: string;
  account_id: string;
  kind: 'cookie' | 'token';
  family_id: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  rotated_at: number | null;
  replaced_by: string | null;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
  generation: number;
  chain_hash: string | null;
  chain_at: number | null;
  rotation_window_at: number | null;
  rotation_count: number;
  /** The factors the login used, space-separated RFC 8176 values (`pwd otp`); null on rows of earlier releases. */
  amr: string | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: number;
}

export interface OneTimeTokensTable {
  id: string;
  token_hash: string;
  account_id: string;
  purpose: 'confirm' | 'reset' | 'email_change';
  email: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface PromoCodesTable {
  code: string;
  max_uses: number | null;
  uses: number;
  expires_at: number | null;
  note: string | null;
  created_at: number;
}

/** The `outbox` table's row: the core's OutboxRow (src/core/outbox/ports.ts), which the sender reads. */
export type OutboxTable = OutboxRow;

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_start: number;
  blocked_until: number;
}

/** Security events (docs/security.md#sec-65); `detail` is a small JSON object; no secret in any column. */
export interface AuditEventsTable {
  id: string;
  at: number;
  type: string;
  outcome: string;
  account_id: string | null;
  identifier_hash: string | null;
  surface: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  detail: string | null;
}

/** Service credentials (docs/decisions.md, "Service access and introspection"): only the SHA-256 of each key's secret. */
export interface ServiceKeysTable {
  id: string;
  name: string;
  key_hash: string;
  /** Introspection requests allowed per minute. */
  rate_limit: number;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** One namespace of login identifiers: every username key and email key, each naming one account. */
export interface LoginIdentifiersTable {
  identifier: string;
  account_id: string;
  kind: 'username' | 'email' | 'both';
}

/** Usernames the login-identifiers migration left out because they equal another account's email. */
export interface LoginIdentifierCollisionsTable {
  account_id: string;
  identifier: string;
  other_account_id: string;
  found_at: number;
}

/** Second factors (migration 2026-12-06T0800): `secret` is sealed (src/crypto/secret-sealer.ts). */
export interface MfaFactorsTable {
  id: string;
  account_id: string;
  kind: 'totp';
  secret: string;
  created_at: number;
  confirmed_at: number | null;
  /** The last TOTP time step accepted: a code of that step or an earlier one is refused (replay). */
  last_step: number | null;
}

/** Single-use recovery codes, SHA-256 only. */
export interface RecoveryCodesTable {
  id: string;
  account_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

/** Pending second steps of logins: the token's SHA-256, single use, bound to a surface and an address. */
export interface MfaChallengesTable {
  id: string;
  token_hash: string;
  account_id: string;
  surface: string;
  ip: string | null;
  amr: string;
  attempts: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** App passwords for HTTP Basic clients (migration 2026-12-06T0810): SHA-256 of the secret only. */
export interface AppPasswordsTable {
  id: string;
  account_id: string;
  name: string;
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
}

/** WebAuthn credentials (migration 2026-12-06T1100): public keys only, base64url. */
export interface PasskeysTable {
  id: string;
  account_id: string;
  credential_id: string;
  public_key: string;
  counter: number;
  transports: string;
  device_type: string;
  backed_up: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** WebAuthn ceremony challenges (migration 2026-12-06T1100): single use, short-lived. */
export interface WebauthnChallengesTable {
  id: string;
  challenge: string;
  purpose: string;
  account_id: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface Database extends OidcTables {
  accounts: AccountsTable;
  sessions: SessionsTable;
  signing_keys: SigningKeysTable;
  server_secrets: ServerSecretsTable;
  one_time_tokens: OneTimeTokensTable;
  promo_codes: PromoCodesTable;
  outbox: OutboxTable;
  login_throttle: LoginThrottleTable;
  audit_events: AuditEventsTable;
  service_keys: ServiceKeysTable;
  login_identifiers: LoginIdentifiersTable;
  login_identifier_collisions: LoginIdentifierCollisionsTable;
  mfa_factors: MfaFactorsTable;
  recovery_codes: RecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
  app_passwords: AppPasswordsTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
}

export type AccountRow = AccountsTable;
export type SessionRow = SessionsTable;
