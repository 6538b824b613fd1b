/**
 * What a new password must be: at least `minLength` Unicode code points after NFKC
 * normalization, at most 1023 UTF-8 bytes as sent (seed 001's limit, checked before any hash
 * work so a huge password cannot burn CPU), no NUL. No composition rules (NIST SP 800-63B).
 * The same NFKC form is hashed at registration and verified at login, so visually identical
 * passwords typed on different keyboards match; case is never folded.
 */
import { AuthError } from '../errors.js';

export const MAX_PASSWORD_BYTES = 1023;

/** The form of a password that is hashed and verified. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** True when a password is short enough to be worth hashing at login at all. */
export function isPasswordWithinBounds(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;
}

/** Checks a password being set and returns its normalized form, or throws with a reason. */
export function checkNewPassword(password: string, minLength: number, field = 'password'): string {
  if (!isPasswordWithinBounds(password)) {
    throw new AuthError('INVALID_INPUT', `${field} must be at most ${MAX_PASSWORD_BYTES} bytes`, { field });
  }
  if (password.includes('\u0000')) {
    throw new AuthError('INVALID_INPUT', `${field} must not contain NUL characters`, { field });
  }
  const normalized = normalizePassword(password);
  if ([...normalized].length < minLength) {
    throw new AuthError('WEAK_PASSWORD', `${field} must be at least ${minLength} characters long`, { field });
  }
  return normalized;
}
