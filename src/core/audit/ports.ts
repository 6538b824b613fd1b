/**
 * The audit log's port (docs/security.md, SEC-65 and SEC-66): the events Latchkey records and how
 * the core reports them.
 */
import type { ClientContext, Tx } from '../ports.js';

/** The security events Latchkey records (docs/security.md#sec-65). */
export const AUDIT_EVENT_TYPES = [
  'login',
  'lockout',
  'rate_limited',
  'logout',
  'refresh',
  'refresh_reuse',
  'csrf_rejected',
  'reset_requested',
  'reset_completed',
  'confirm',
  'password_change',
  'account_delete',
  'register',
  'service_lookup',
  'account_disable',
  'account_enable',
  'sessions_revoke',
  'admin_auth',
  'service_key_add',
  'service_key_revoke',
  'signing_key_rotate',
  'signing_key_retire',
  'master_key_seal',
  'master_key_rotate',
  'account_rename',
  'session_evicted',
  'account_import',
  'account_export',
  'email_change_requested',
  'email_change',
  'oidc_authorize',
  'oidc_consent',
  'oidc_token',
  'oidc_client_add',
  'oidc_client_revoke',
  'mfa_enable',
  'mfa_disable',
  'mfa_reset',
  'mfa_step',
  'recovery_code_used',
  'recovery_codes_regenerate',
  'app_password_add',
  'app_password_revoke',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * success: it happened; failure: it was tried and failed (a wrong password, a bad link);
 * rejected: it was refused before being tried (CSRF, a rate limit, a reused refresh token).
 */
export type AuditOutcome = 'success' | 'failure' | 'rejected';

/** Small, non-secret facts about an event (a reason code, a session id, a number of seconds). */
export type AuditDetail = Record<string, string | number | boolean | null>;

/** One security event as the core reports it. Never put a password, token or cookie in it. */
export interface AuditEvent {
  type: AuditEventType;
  outcome: AuditOutcome;
  /** The account concerned, when known. */
  accountId?: string | null;
  /** A username or email as typed: stored only as a keyed hash, to correlate attempts. */
  identifier?: string | null;
  /** The keyed hash of the identifier, when it was hashed already (aggregate.ts); wins over `identifier`. */
  identifierHash?: string | null;
  /** Where the request came from: address, user agent, request id, surface. */
  ctx?: ClientContext | undefined;
  detail?: AuditDetail;
}

export interface AuditLog {
  /**
   * Writes the event in `tx`, the transaction of the change it describes, and logs it as one
   * structured line; a failed write fails the change.
   */
  record(tx: Tx, event: AuditEvent): Promise<void>;
  /**
   * Writes an event that accompanies no change (a failed login, a rejection). Never throws:
   * the log line is written first, and a failed insert is logged and ignored.
   */
  note(event: AuditEvent): Promise<void>;
  /**
   * True when record() of this event now would only count it, writing nothing, with its window
   * far enough from its end that a statement run before the record() does not see it end
   * (aggregate.ts); false or absent when it would be written (then it needs a transaction).
   */
  folds?(event: AuditEvent): boolean;
  /**
   * For a store that writes an event's row in the statement of the change it describes
   * (SessionWrites.openWithinCap, AccountStore.insertAudited): builds the row, hands it to
   * `write`, and writes the log line once `write` answers true (stored). False, without calling
   * `write`, when the event would fold (record() would only count it). Absent: use record().
   */
  writeWith?(event: AuditEvent, write: (row: AuditRowToStore) => Promise<boolean>): Promise<boolean>;
}

declare const storedForm: unique symbol;

/** The stored form of an event, opaque to the core: only the audit log's own store reads it. */
export interface AuditRowToStore {
  readonly [storedForm]: true;
}
