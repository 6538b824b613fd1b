/**
 * "No second login": after a confirmation or reset link is used on the hosted pages, the user is
 * signed in with a new cookie session (a reset has already ended every older session), unless
 * LOGIN_AFTER_LINK=false. The one place that decides it is signInAfterLink: a mailbox alone must
 * never sign in an account that has a second factor, so that check belongs here and nowhere else
 * (docs/decisions.md "Signed in after a link").
 */
import type { CoreDeps } from '../deps.js';
import type { SessionWrites, SessionRevocations } from '../sessions/ports.js';
import type { ClientContext } from '../ports.js';
import type { Account } from '../accounts/ports.js';
import { csrfTokenFor, type CookieLogin } from '../sessions/cookie-sessions.js';
import { openLoginSession } from '../sessions/lifecycle.js';
import { hasSecondFactor } from '../mfa/codes.js';
import { confirmAccount } from './confirm.js';
import { completePasswordReset } from '../passwords/reset.js';

/** What using a link on the pages gives: the account, and its new cookie session unless none is opened. */
export interface LinkOutcome {
  account: Account;
  /** Null when LOGIN_AFTER_LINK=false or the account must pass another step (a second factor) first. */
  login: CookieLogin | null;
}

/**
 * Whether a link that just proved the mailbox may sign `account` in, and if so the new session.
 * An account with a second factor answers null: a mailbox alone never signs it in, and the user
 * logs in through the second step instead (docs/security.md, second factor).
 */
export async function signInAfterLink(deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'serverKey' | 'audit' | 'secondFactor'> & { sessions: SessionWrites }, account: Account, ctx: ClientContext): Promise<CookieLogin | null> {
  if (deps.policy.loginAfterLink === false || account.status !== 'active') return null;
  if (await hasSecondFactor(deps, account.id)) return null;
  const { session, secret } = await openLoginSession(deps, account, 'cookie', ctx, { via: 'link' });
  return { account, session, sessionSecret: secret, csrfToken: csrfTokenFor(deps, session.id) };
}

/** Consumes a confirmation link (sets the password, activates) and signs the account in per signInAfterLink. */
export async function confirmAndSignIn(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'serverKey' | 'audit' | 'secondFactor'> & { sessions: SessionWrites }, token: string, password: string, ctx: ClientContext): Promise<LinkOutcome> {
  const account = await confirmAccount(deps, token, password, ctx);
  return { account, login: await signInAfterLink(deps, account, ctx) };
}

/** Consumes a reset link (sets the password, ends every session) and signs the account in per signInAfterLink. */
export async function resetAndSignIn(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'outbox' | 'serverKey' | 'audit' | 'secondFactor'> & { sessions: SessionWrites & SessionRevocations }, token: string, password: string, ctx: ClientContext): Promise<LinkOutcome> {
  const account = await completePasswordReset(deps, token, password, ctx);
  return { account, login: await signInAfterLink(deps, account, ctx) };
}
