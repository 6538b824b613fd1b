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

  constructor(code: AuthErrorCode, message: string, options: { field?: string; retryAfter?: number } = {}) {
    super(message);
    this.code = code;
    this.field = options.field;
    this.retryAfter = options.retryAfter;
  }
}

/** True when `err` is an AuthError, optionally with the given code. */
export function isAuthError(err: unknown, code?: AuthErrorCode): err is AuthError {
  return err instanceof AuthError && (code === undefined || err.code === code);
}
