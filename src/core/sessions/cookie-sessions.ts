/**
 * Cookie sessions (the cookie-session RPC API and the hosted pages). The cookie holds the
 * session secret; the row holds its hash. A login always makes a new session (no fixation),
 * and the CSRF token is an HMAC of the session id, so it changes with every login, cannot be
 * forged without the server key, and another session's token never matches.
 */
import { createHmac } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { verifyLogin } from '../credentials/authenticate.js';
import { requireSecondStep } from '../mfa/second-step.js';
import { refuseWithoutFactor } from '../mfa/require.js';
import { hashSecret, sameText } from '../credentials/secrets.js';
import type { Account } from '../accounts/ports.js';
import type { Session, SessionWrites, SessionLookups, SessionRevocations } from './ports.js';
import { lookupSession } from './cached-lookup.js';
import { isSessionLive, openLoginSession, touchSession } from './lifecycle.js';
import type { SessionWithAccount } from './ports.js';

export interface CookieLogin {
  account: Account;
  session: Session;
  /** The `sessionid` cookie value. */
  sessionSecret: string;
  /** The `csrftoken` cookie value. */
  csrfToken: string;
}

/** The CSRF token bound to a session. */
export function csrfTokenFor(deps: Pick<CoreDeps, 'serverKey'>, sessionId: string): string {
  return createHmac('sha256', deps.serverKey).update(`csrf:${sessionId}`, 'utf8').digest('base64url');
}

/** True when `presented` is the CSRF token of `sessionId` (constant-time). */
export function isValidCsrfToken(deps: Pick<CoreDeps, 'serverKey'>, sessionId: string, presented: string): boolean {
  return sameText(csrfTokenFor(deps, sessionId), presented);
}

/**
 * Checks a password and opens a new cookie session (the cookie API); MFA_REQUIRED (with the
 * step's token) for an account with a second factor, MFA_ENROLMENT_REQUIRED (REQUIRE_MFA) for one without.
 */
export async function loginForCookie(
  deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'serverKey' | 'audit' | 'secondFactor'> & { sessions: SessionWrites },
  identifier: string,
  password: string,
  ctx: ClientContext,
): Promise<CookieLogin> {
  const login = await verifyLogin(deps, identifier, password, ctx);
  await requireSecondStep(deps, login, ctx);
  await refuseWithoutFactor(deps, login, ctx);
  return openCookieSession(deps, login.account, ctx, ['pwd']);
}

/** A pages login: the cookie session, and whether REQUIRE_MFA holds it to enrolling a factor first. */
export interface PageLogin extends CookieLogin {
  enrolmentRequired: boolean;
}

/**
 * The pages' password login: as loginForCookie, but an account that REQUIRE_MFA would refuse is
 * signed in to enrol a factor (the pages let it do nothing else until it has).
 */
export async function loginForPage(deps: CoreDeps, identifier: string, password: string, ctx: ClientContext): Promise<PageLogin> {
  const login = await verifyLogin(deps, identifier, password, ctx);
  await requireSecondStep(deps, login, ctx);
  const opened = await openCookieSession(deps, login.account, ctx, ['pwd']);
  return { ...opened, enrolmentRequired: deps.policy.requireMfa === true };
}

/** Opens a new cookie session for a login whose factors (`amr`) are proved; records the login. */
export async function openCookieSession(deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'serverKey' | 'audit'> & { sessions: SessionWrites }, account: Account, ctx: ClientContext, amr: string[]): Promise<CookieLogin> {
  const { session, secret } = await openLoginSession(deps, account, 'cookie', ctx, { amr: amr.join(' ') }, { amr });
  return { account, session, sessionSecret: secret, csrfToken: csrfTokenFor(deps, session.id) };
}

/**
 * The live cookie session and account for a `sessionid` value, or null when there is none (no
 * such session, ended, expired, of an inactive account). "No session" is a value: anything
 * thrown (an unreachable database) is an outage, which callers must not mistake for it.
 */
export async function resolveCookieSession(
  deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'sessionCache'> & { sessions: SessionLookups },
  secret: string,
): Promise<{ account: Account; session: Session } | null> {
  const now = deps.clock.now();
  const usable = (f: SessionWithAccount): boolean => f.session.kind === 'cookie' && f.account.status === 'active' && isSessionLive(f.session, now);
  const found = secret.length > 0 && secret.length <= 256 ? await lookupSession(deps, { by: 'secret', value: hashSecret(secret) }, usable) : null;
  if (!found || !usable(found)) return null;
  await touchSession(deps, found.session, now);
  return found;
}

/** Ends a cookie session. Succeeds quietly when the session is already gone. */
export async function logoutCookieSession(deps: Pick<CoreDeps, 'uow' | 'clock' | 'audit'> & { sessions: SessionLookups & SessionRevocations }, secret: string, ctx?: ClientContext): Promise<void> {
  const found = await deps.sessions.findBySecretHashWithAccount(deps.uow.db, hashSecret(secret));
  if (!found) return;
  await deps.uow.transaction(async (tx) => {
    await deps.sessions.revokeFamily(tx, found.session.familyId, deps.clock.now());
    await deps.audit.record(tx, { type: 'logout', outcome: 'success', accountId: found.account.id, ctx, detail: { sessionId: found.session.id } });
  });
}
