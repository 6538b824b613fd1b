/**
 * The password an operator sets or creates an account with. The policy is the one every user
 * meets (length, common and context-based passwords refused). Without one the operator gets a
 * generated password: 24 or more base64url characters from the OS CSPRNG (144 bits or more),
 * returned once and never stored or logged.
 */
import { randomBytes } from 'node:crypto';
import { checkNewPassword, type PasswordContext } from '../credentials/password-policy.js';
import type { CorePolicy } from '../deps.js';

const GENERATED_LENGTH = 24;

/** The normalized password to set: `given` after the policy, or a generated one. */
export function choosePassword(
  deps: { policy: CorePolicy },
  given: string | undefined,
  context: PasswordContext,
): { password: string; generated: boolean } {
  const rules = deps.policy.passwordRules;
  if (given !== undefined) return { password: checkNewPassword(given, rules, context), generated: false };
  const length = Math.max(GENERATED_LENGTH, rules.minLength);
  for (let attempt = 0; attempt < 10; attempt++) {
    const candidate = randomBytes(Math.ceil((length * 3) / 4)).toString('base64url').slice(0, length);
    try {
      return { password: checkNewPassword(candidate, rules, context), generated: true };
    } catch {
      // A random string the policy refuses (vanishingly rare): draw again.
    }
  }
  throw new Error('could not generate a password the policy accepts');
}

