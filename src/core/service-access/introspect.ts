/**
 * Introspection (after RFC 7662): an authenticated service asks whether a user's credential is
 * live and whose it is. It learns only the account's uuid and username and when the credential
 * stops working, never the session, email or anything stored.
 *
 * The credential is checked exactly as Latchkey's own endpoints check it: a `sessionid` cookie
 * as the cookie API does, an access token as /api/v1/account/me does (signature, then the
 * session it names must be alive), a refresh token as a refresh would (alive, not rotated, not
 * revoked) but without rotating it. So logout, a password change and refresh reuse show at
 * once. Anything unknown, expired, malformed or belonging to a disabled or pending account is
 * simply inactive: the answer says nothing about why.
 */
import type { CoreDeps } from '../deps.js';
import type { Session, SessionLookups } from '../sessions/ports.js';
import { resolveCookieSession } from '../sessions/cookie-sessions.js';
import { isSessionLive, lifetimesFor } from '../sessions/lifecycle.js';
import { findRefreshHolder, resolveAccessToken } from '../tokens/token-sessions.js';

/** What a service asks about: a `sessionid` cookie value, or an access or refresh token. */
export type IntrospectionSubject = { session: string } | { token: string };

/** Which kind of credential was asked about (for the audit log). */
export type CredentialKind = 'session' | 'access' | 'refresh';

export type Introspection =
  | { active: false }
  | {
      active: true;
      /** The account id. */
      uuid: string;
      username: string | null;
      /** Seconds since the epoch when this credential stops working unless it is used again. */
      expires: number;
      /** How the login was made (RFC 8176: `pwd`, `otp`); `["pwd"]` for sessions of earlier releases. */
      amr: string[];
    };

export interface IntrospectionOutcome {
  result: Introspection;
  kind: CredentialKind;
}

const INACTIVE: Introspection = { active: false };
const MAX_SECRET = 256;

/**
 * When `session` stops working, in whole seconds (rounded down): the earlier of its idle and
 * absolute expiry, with the idle expiry as it stands after a use at `now` when `used` (a use
 * slides it, at most once per touch interval, as touchSession does).
 */
function sessionExpiry(deps: Pick<CoreDeps, 'policy'>, session: Session, now: number, used: boolean): number {
  const slides = used && now - session.lastSeenAt >= deps.policy.touchInterval * 1000;
  const idle = slides ? now + lifetimesFor(deps, session.kind).idle * 1000 : session.idleExpiresAt;
  return Math.floor(Math.min(idle, session.absoluteExpiresAt) / 1000);
}

/** A cookie session, checked (and its idle expiry slid) as the cookie API does. */
async function introspectSession(deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'sessionCache'> & { sessions: SessionLookups }, secret: string): Promise<Introspection> {
  const now = deps.clock.now();
  const found = await resolveCookieSession(deps, secret);
  if (!found) return INACTIVE;
  return { active: true, uuid: found.account.id, username: found.account.username, expires: sessionExpiry(deps, found.session, now, true), amr: found.session.amr ?? ['pwd'] };
}

/** An access token: its signature and expiry, then its session, as Latchkey's own endpoints check it. */
async function introspectAccessToken(deps: Pick<CoreDeps, 'uow' | 'signer' | 'clock' | 'policy' | 'sessionCache'> & { sessions: SessionLookups }, token: string): Promise<Introspection> {
  const now = deps.clock.now();
  const claims = await deps.signer.verify(token, now);
  if (!claims) return INACTIVE;
  const found = await resolveAccessToken(deps, token);
  if (!found) return INACTIVE;
  const expires = Math.min(claims.exp, sessionExpiry(deps, found.session, now, true));
  return { active: true, uuid: found.account.id, username: found.account.username, expires, amr: found.session.amr ?? ['pwd'] };
}

/** A refresh token: live, not rotated, not revoked, of an active account. Never rotated or touched here. */
async function introspectRefreshToken(deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'sessionCache'> & { sessions: SessionLookups }, token: string): Promise<Introspection> {
  if (token.length > MAX_SECRET) return INACTIVE;
  const now = deps.clock.now();
  const found = await findRefreshHolder(deps, token);
  if (!found || found.session.kind !== 'token' || found.account.status !== 'active' || !isSessionLive(found.session, now)) return INACTIVE;
  return { active: true, uuid: found.account.id, username: found.account.username, expires: sessionExpiry(deps, found.session, now, false), amr: found.session.amr ?? ['pwd'] };
}

/** Whether a user's credential is live, and whose it is. A JWT (it has dots) is an access token; anything else a refresh token. */
export async function introspectCredential(deps: Pick<CoreDeps, 'uow' | 'signer' | 'clock' | 'policy' | 'sessionCache'> & { sessions: SessionLookups }, subject: IntrospectionSubject): Promise<IntrospectionOutcome> {
  if ('session' in subject) return { kind: 'session', result: await introspectSession(deps, subject.session) };
  if (subject.token.includes('.')) return { kind: 'access', result: await introspectAccessToken(deps, subject.token) };
  return { kind: 'refresh', result: await introspectRefreshToken(deps, subject.token) };
}
