/** Generated passwords (the original API's (README, "The HTTP Basic API") "new password by email"): 120 bits from the OS CSPRNG. */
import { randomBytes } from 'node:crypto';

/** A new random password: 20 base64url characters (120 bits). */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
