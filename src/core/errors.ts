/**
 * The one error type the core throws for outcomes a caller must branch on. Codes are stable
 * strings; each surface maps them to its own status and body in one table. No HTTP here.
 */
export type AuthErrorCode =
  | 'INVALID_INPUT'
  | 'USERNAME_TAKEN'
  | 'EMAIL_TAKEN'
  | 'WEAK_PASSWORD'
  | 'INVALID_CREDENTIALS'
  | 'MFA_REQUIRED'
  | 'MFA_ENROLMENT_REQUIRED'
  | 'INVALID_TOKEN'
  | 'TOKEN_REUSED'
  | 'NOT_AUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BUSY'
  | 'THROTTLED'
  | 'UNAVAILABLE';

export class AuthError extends Error {
  override name = 'AuthError';
  readonly code: AuthErrorCode;
  /** The input field at fault, for INVALID_INPUT and WEAK_PASSWORD. */
  readonly field: string | undefined;
  /** Seconds the client should wait, for BUSY. */
  readonly retryAfter: number | undefined;
  /**
   * True once the core has recorded this refusal's audit event (a login refused while throttled),
   * so the HTTP layer, which records the refusals the core does not (src/http/audit.ts), does not
   * record it a second time.
   */
  audited = false;

  constructor(code: AuthErrorCode, message: string, options: { field?: string; retryAfter?: number } = {}) {
    super(message);
    this.code = code;
    this.field = options.field;
    this.retryAfter = options.retryAfter;
  }

  /** Marks the refusal as recorded in the audit log (`audited`); returns it. */
  markAudited(): this {
    this.audited = true;
    return this;
  }
}

/** True when `err` is an AuthError, optionally with the given code. */
export function isAuthError(err: unknown, code?: AuthErrorCode): err is AuthError {
  return err instanceof AuthError && (code === undefined || err.code === code);
}

/**
 * Recognises an error that means a dependency (the database, Redis) is unreachable or overloaded
 * rather than a bug: the HTTP edge answers it 503. The store implements it (isDatabaseUnavailable)
 * and the CLI wiring passes it to the app, so the edge does not import the store.
 */
export type OutageClassifier = (err: unknown) => boolean;
