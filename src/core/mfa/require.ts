/**
 * REQUIRE_MFA (docs/security.md, "Second factor"): when on, an account without a second factor
 * may still sign in on the pages, but only to enrol one (the pages hold it on /account until it
 * has; src/http/pages/require-mfa.ts); the JSON and cookie APIs cannot enrol a passkey, so their
 * login refuses such an account with MFA_ENROLMENT_REQUIRED, naming the pages. Accounts with a
 * factor are not affected.
 */
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import type { VerifiedLogin } from '../credentials/authenticate.js';
import { hasSecondFactor } from './codes.js';

/** True when REQUIRE_MFA is on and the account has no second factor yet. */
export async function mustEnrol(deps: Pick<CoreDeps, 'uow' | 'policy' | 'secondFactor'>, accountId: string): Promise<boolean> {
  return deps.policy.requireMfa === true && !(await hasSecondFactor(deps, accountId));
}

/** After a correct password on an API: MFA_ENROLMENT_REQUIRED (audited) when REQUIRE_MFA is on and the account has no factor. */
export async function refuseWithoutFactor(deps: Pick<CoreDeps, 'policy' | 'audit'>, login: VerifiedLogin, ctx: ClientContext): Promise<void> {
  if (deps.policy.requireMfa !== true || login.secondFactor) return;
  await deps.audit.note({ type: 'login', outcome: 'rejected', accountId: login.account.id, ctx, detail: { reason: 'mfa_enrolment_required' } });
  throw new AuthError('MFA_ENROLMENT_REQUIRED', 'this service requires a second factor: sign in on the account pages (/login) and add one on /account first');
}
