/**
 * Usernames and email addresses, normalized one way for uniqueness, login and throttling.
 * A username is NFKC-normalized and compared case-insensitively; an email is compared
 * case-insensitively. Both are rejected outright if they could smuggle control characters
 * (log forging, SMTP header injection) or whitespace.
 */
import { AuthError } from '../errors.js';

export const MAX_IDENTIFIER_BYTES = 1023;
const MAX_EMAIL_LENGTH = 254;
const FORBIDDEN_CHARS = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Z}\s]/u;
const EMAIL_SHAPE = /^[^\s@<>()[\],;:"\\]{1,64}@[^\s@<>()[\],;:"\\]+\.[^\s@<>()[\],;:"\\]+$/u;

export interface NormalizedIdentifier {
  /** What the user typed, NFKC-normalized: shown back to them. */
  display: string;
  /** The case-folded form the unique constraint and lookups use. */
  key: string;
}

/** Case-folds an already NFKC-normalized string. */
export function foldCase(value: string): string {
  return value.toUpperCase().toLowerCase().normalize('NFKC');
}

/** Normalizes a username or throws INVALID_INPUT naming `field`. */
export function normalizeUsername(input: string, field = 'username'): NormalizedIdentifier {
  const display = input.normalize('NFKC');
  if (display.length === 0) throw new AuthError('INVALID_INPUT', `${field} must not be empty`, { field });
  if (Buffer.byteLength(display, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new AuthError('INVALID_INPUT', `${field} must be at most ${MAX_IDENTIFIER_BYTES} bytes`, { field });
  }
  if (FORBIDDEN_CHARS.test(display)) {
    throw new AuthError('INVALID_INPUT', `${field} must not contain spaces or control characters`, { field });
  }
  return { display, key: foldCase(display) };
}

/** Normalizes an email address or throws INVALID_INPUT naming `field`. */
export function normalizeEmail(input: string, field = 'email'): NormalizedIdentifier {
  const display = input.normalize('NFKC');
  if (display.length > MAX_EMAIL_LENGTH || FORBIDDEN_CHARS.test(display) || !EMAIL_SHAPE.test(display)) {
    throw new AuthError('INVALID_INPUT', `${field} must be a single email address like name@example.com`, { field });
  }
  return { display, key: foldCase(display) };
}

/** The lookup key for a login identifier (a username or an email), or null if it cannot match any account. */
export function loginKey(input: string): string | null {
  const display = input.normalize('NFKC');
  if (display.length === 0 || Buffer.byteLength(display, 'utf8') > MAX_IDENTIFIER_BYTES) return null;
  if (FORBIDDEN_CHARS.test(display)) return null;
  return foldCase(display);
}
