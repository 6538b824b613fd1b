/**
 * What a new password must be (docs/security.md, SEC-1 to SEC-5): at least `minLength` Unicode code points
 * after NFKC normalization, at most 1023 UTF-8 bytes as sent (the original API's (README, "The HTTP Basic API") limit, checked before
 * any hash work so a huge password cannot burn CPU), no NUL, and not guessable from a list. No
 * composition rules (NIST SP 800-63B). The same NFKC form is hashed at registration and verified
 * at login, so visually identical passwords typed on different keyboards match; case is never
 * folded for hashing, only for the blocklist comparisons below.
 *
 * The blocklist stops the first guesses of an online or offline attack (ASVS 6.2.4, 6.2.11):
 * - common: the whole password (NFKC, lower-cased) is in the shipped list of common passwords,
 *   or is a listed password with only non-letters around it ("password123!", "!!monkey2024");
 * - trivial: a straight run ("123456789012345", "abcdefghij", "987654321") or one block repeated
 *   when the block is listed or under 5 characters ("passwordpassword", "abcdabcd", "xyxyxyxy");
 * - context: the service name, the username (and its part before an @) or the email's part
 *   before the @, alone or with only digits, punctuation, symbols, spaces or more copies of it
 *   around it ("alice2024", "alice!!!", "alicealice", "2024-latchkey"). Words under 3 characters
 *   are ignored. A passphrase that has other letters ("alice likes blue herons") passes.
 * Every refusal is WEAK_PASSWORD with a reason the user can act on (NIST: a reason SHALL be given).
 */
import { AuthError } from '../errors.js';
import type { PasswordRules, WordList } from './ports.js';

export const MAX_PASSWORD_BYTES = 1023;

/** The service's own name: a context word for every account. */
const SERVICE_WORDS = ['latchkey'];
/** Context words shorter than this are ignored (too many passwords contain "al" or "jo"). */
const MIN_CONTEXT_WORD = 3;
/** A repeated block shorter than this is refused even when it is not a listed password. */
const MIN_REPEATED_BLOCK = 5;

const LETTER = /\p{L}/u;
const EDGE_NON_LETTERS = /^[^\p{L}]+|[^\p{L}]+$/gu;


/** What is known about the account a password is being set for. */
export interface PasswordContext {
  username?: string | null;
  email?: string | null;
}

/** The form of a password that is hashed and verified. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** True when a password is short enough to be worth hashing at login at all. */
export function isPasswordWithinBounds(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;
}

/** The form of a password (or word) compared with the lists: NFKC, lower-cased. */
function comparable(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** True when the password is a listed one, alone or with only non-letters around it. */
function isCommon(folded: string, common: WordList): boolean {
  if (common.has(folded)) return true;
  const core = folded.replace(EDGE_NON_LETTERS, '');
  return core !== '' && core !== folded && common.has(core);
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** The step from one code point to the next in a run: digits wrap around (8, 9, 0, 1). */
function step(a: number, b: number): number {
  if (!isDigit(a) || !isDigit(b)) return b - a;
  const up = (b - a + 10) % 10;
  return up === 9 ? -1 : up;
}

/** True for a straight run of code points ("12345678", "zyxwvuts") or one block repeated. */
function isTrivial(folded: string, common: WordList): boolean {
  const chars = [...folded];
  const points = chars.map((c) => c.codePointAt(0) ?? 0);
  const steps = points.slice(1).map((p, i) => step(points[i] ?? 0, p));
  if (steps.length > 1 && (steps[0] === 1 || steps[0] === -1) && steps.every((s) => s === steps[0])) return true;
  for (let size = 1; size <= chars.length / 2; size++) {
    if (chars.length % size !== 0) continue;
    const block = chars.slice(0, size).join('');
    if (block.repeat(chars.length / size) === folded) return size < MIN_REPEATED_BLOCK || common.has(block);
  }
  return false;
}

/** The context words for an account: the service name, the username (and its local part), the email's local part. */
export function contextWords(context: PasswordContext): string[] {
  const words = new Set(SERVICE_WORDS);
  const add = (word: string): void => {
    const folded = comparable(word.trim());
    const alnum = folded.replace(/[^\p{L}\p{N}]/gu, '');
    for (const w of [folded, alnum]) if ([...w].length >= MIN_CONTEXT_WORD) words.add(w);
  };
  if (context.username) {
    add(context.username);
    if (context.username.includes('@')) add(context.username.slice(0, context.username.lastIndexOf('@')));
  }
  if (context.email?.includes('@')) add(context.email.slice(0, context.email.lastIndexOf('@')));
  return [...words];
}

/** True when the password is a context word with only non-letters or more copies of it around it. */
function isContextBased(folded: string, words: readonly string[]): boolean {
  return words.some((word) => folded.includes(word) && !LETTER.test(folded.replaceAll(word, '')));
}

/** Checks a password being set and returns its normalized form, or throws with a reason. */
export function checkNewPassword(password: string, rules: PasswordRules, context: PasswordContext, field = 'password'): string {
  if (!isPasswordWithinBounds(password)) {
    throw new AuthError('INVALID_INPUT', `${field} must be at most ${MAX_PASSWORD_BYTES} bytes`, { field });
  }
  if (password.includes('\u0000')) {
    throw new AuthError('INVALID_INPUT', `${field} must not contain NUL characters`, { field });
  }
  const normalized = normalizePassword(password);
  if ([...normalized].length < rules.minLength) {
    throw new AuthError('WEAK_PASSWORD', `${field} must be at least ${rules.minLength} characters long`, { field });
  }
  const folded = comparable(normalized);
  if (isCommon(folded, rules.commonPasswords)) {
    throw new AuthError('WEAK_PASSWORD', 'this password is too common', { field });
  }
  if (isTrivial(folded, rules.commonPasswords)) {
    throw new AuthError('WEAK_PASSWORD', 'this password is too easy to guess: a simple sequence or repetition', { field });
  }
  if (isContextBased(folded, contextWords(context))) {
    throw new AuthError('WEAK_PASSWORD', 'this password is based on your username, email or the service name', { field });
  }
  return normalized;
}
