/** The answer to a password step that needs a second step: MFA_REQUIRED with its single-use token. */
import { AuthError } from '../errors.js';
import type { SecondFactorMethod } from './ports.js';

export class MfaRequiredError extends AuthError {
  override name = 'MfaRequiredError';
  constructor(
    /** The token that completes the login with a second factor (single use, short-lived). */
    readonly mfaToken: string,
    /** The methods on offer. */
    readonly methods: SecondFactorMethod[],
    /** Seconds the token lives. */
    readonly expiresIn: number,
  ) {
    super('MFA_REQUIRED', 'this account has a second factor: complete the login with a code');
  }
}

/** True when `err` asks for the second step. */
export function isMfaRequired(err: unknown): err is MfaRequiredError {
  return err instanceof MfaRequiredError;
}
