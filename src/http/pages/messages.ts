/**
 * The core's refusals as catalogue text. The core's messages are English sentences for APIs and
 * logs; a page names the same problem in the visitor's language, keyed by what the core's
 * stable messages say (src/core/credentials/password-policy.ts, src/core/mfa/, src/core/passkeys/). Anything not
 * listed falls back to the core's own sentence.
 */
import type { AuthError } from '../../core/errors.js';
import type { Translate } from '../../ui/index.js';
import { sentence } from './layout.js';

const PROBLEMS: ReadonlyArray<[RegExp, string]> = [
  [/must be at most \d+ bytes/, 'password.too_long'],
  [/too common/, 'password.too_common'],
  [/too easy to guess/, 'password.too_easy'],
  [/based on your username/, 'password.context'],
  [/TOTP is on already/, 'mfa.already_on'],
  [/no TOTP enrolment is waiting/, 'mfa.no_enrolment'],
  [/TOTP is not on|recovery codes come with a second factor/, 'mfa.not_on'],
  [/^name must be/, 'app_passwords.name_invalid'],
  [/at most \d+ app passwords/, 'app_passwords.too_many'],
  [/no app password of yours/, 'app_passwords.not_found'],
  [/already your email/, 'account.email_same'],
  [/a passkey name has at most/, 'passkeys.name_too_long'],
  [/passkey is registered already/, 'passkeys.duplicate'],
  [/no passkey with this id/, 'passkeys.not_found'],
  [/passkey answer is missing/, 'passkeys.missing'],
  [/passkey answer is not valid JSON/, 'passkeys.not_json'],
  [/not a WebAuthn response/, 'passkeys.not_webauthn'],
  [/has no passkey: use a code/, 'passkeys.no_passkey'],
];

/** A core refusal (WEAK_PASSWORD, INVALID_INPUT, NOT_FOUND) as a sentence in the page's language. */
export function problemText(err: AuthError | Error, t: Translate): string {
  const short = /must be at least (\d+) characters/.exec(err.message);
  if (short) return t('password.too_short', { min: Number(short[1]) });
  const known = PROBLEMS.find(([pattern]) => pattern.test(err.message));
  return known ? t(known[1]) : sentence(err.message);
}
