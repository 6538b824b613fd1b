/** Passwords: what a password change may be given. */

export interface ChangePasswordOptions {
  /** When given, it must match the current password (else INVALID_CREDENTIALS). */
  currentPassword?: string;
  /** The session that made the change survives; every other session and refresh family is revoked. */
  keepSessionId?: string;
}
