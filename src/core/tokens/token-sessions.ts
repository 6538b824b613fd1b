/**
 * The JWT surface's sessions. A login yields a pair: a short-lived EdDSA access token naming
 * the session (`sid`), and an opaque refresh token that is the session's secret. A refresh
 * rotates the session: the old row is marked rotated and a successor row with a new secret
 * is created in the same family, with the family's absolute expiry.
 *
 * Reuse detection (RFC 9700 §4.14.2): a rotated refresh token presented again means it was
 * copied, so the whole family is revoked, the current session included. The exception is the
 * grace window: within `refreshReuseGrace` seconds of its rotation, the immediately previous
 * token yields the same successor pair again (successor secrets are derived, not stored), so
 * a client with several tabs refreshing at once is not logged out and exactly one rotation
 * happens. Rows are locked for update, so concurrent refreshes serialize.
 */
import type { ClientContext, CoreDeps } from '../deps.js';
import { verifyLogin } from '../credentials/authenticate.js';
import { hashSecret, successorSecret } from '../credentials/secrets.js';
import { AuthError } from '../errors.js';
import type { Account, Session } from '../ports.js';
import { buildSession, isSessionLive, startSession, touchSession } from '../sessions/lifecycle.js';
import { countTokenFailure } from '../credentials/address-limits.js';

export interface TokenPair {
  access: string;
  refresh: string;
}

export interface AuthenticatedSession {
  account: Account;
  session: Session;
}

/** Signs the access token of a session. Deterministic for a given session, so a grace re-issue is identical. */
async function accessTokenFor(deps: CoreDeps, session: Session): Promise<string> {
  const iat = Math.floor(session.createdAt / 1000);
  return deps.signer.sign({
    sub: session.accountId,
    sid: session.id,
    iat,
    exp: iat + deps.policy.accessTokenTtl,
    jti: session.id,
  });
}

/** Checks a password and opens a token session. */
export async function loginForTokens(
  deps: CoreDeps,
  identifier: string,
  password: string,
  ctx: ClientContext,
): Promise<TokenPair> {
  const account = await verifyLogin(deps, identifier, password, ctx);
  const started = await deps.uow.transaction(async (tx) => {
    const opened = await startSession(deps, tx, account, 'token', ctx);
    await deps.audit.record(tx, { type: 'login', outcome: 'success', accountId: account.id, ctx, detail: { sessionId: opened.session.id } });
    return opened;
  });
  return { access: await accessTokenFor(deps, started.session), refresh: started.secret };
}

type RotationOutcome =
  | { kind: 'rotated'; session: Session; secret: string }
  | { kind: 'reused' }
  | { kind: 'invalid'; reason: string; accountId: string | null };

/** Exchanges a refresh token for a new pair; see the module comment for the rules. */
export async function rotateRefreshToken(deps: CoreDeps, refresh: string, ctx: ClientContext): Promise<TokenPair> {
  const presentedHash = hashSecret(refresh);
  const outcome = await deps.uow.transaction<RotationOutcome>(async (tx) => {
    const current = await deps.sessions.findBySecretHashForUpdate(tx, presentedHash);
    if (!current || current.kind !== 'token') return { kind: 'invalid', reason: 'unknown', accountId: null };
    if (current.revokedAt !== null) return { kind: 'invalid', reason: 'revoked', accountId: current.accountId };
    const now = deps.clock.now();
    const secret = successorSecret(deps.serverKey, refresh);
    if (current.rotatedAt !== null) {
      const grace = deps.policy.refreshReuseGrace * 1000;
      const withinGrace = grace > 0 && now - current.rotatedAt <= grace;
      const successor = withinGrace && current.replacedBy ? await deps.sessions.findById(tx, current.replacedBy) : null;
      if (successor && isSessionLive(successor, now)) {
        const detail = { sessionId: successor.id, grace: true };
        await deps.audit.record(tx, { type: 'refresh', outcome: 'success', accountId: current.accountId, ctx, detail });
        return { kind: 'rotated', session: successor, secret };
      }
      await deps.sessions.revokeFamily(tx, current.familyId, now);
      await deps.audit.record(tx, { type: 'refresh_reuse', outcome: 'rejected', accountId: current.accountId, ctx, detail: { familyId: current.familyId } });
      return { kind: 'reused' };
    }
    if (!isSessionLive(current, now)) return { kind: 'invalid', reason: 'expired', accountId: current.accountId };
    const account = await deps.accounts.findById(tx, current.accountId);
    if (!account || account.status !== 'active') return { kind: 'invalid', reason: 'inactive', accountId: current.accountId };
    const next = buildSession(deps, account, 'token', ctx, {
      familyId: current.familyId,
      absoluteExpiresAt: current.absoluteExpiresAt,
      secret,
    });
    await deps.sessions.markRotated(tx, current.id, now, next.session.id);
    await deps.sessions.insert(tx, next.session);
    await deps.audit.record(tx, { type: 'refresh', outcome: 'success', accountId: account.id, ctx, detail: { sessionId: next.session.id } });
    return { kind: 'rotated', session: next.session, secret };
  });
  if (outcome.kind === 'reused') {
    throw new AuthError('TOKEN_REUSED', 'this refresh token was already used; every session of its chain is now closed');
  }
  if (outcome.kind === 'invalid') {
    await deps.audit.note({ type: 'refresh', outcome: 'failure', accountId: outcome.accountId, ctx, detail: { reason: outcome.reason } });
    await countTokenFailure(deps, ctx);
    throw new AuthError('INVALID_TOKEN', 'the refresh token is invalid or expired');
  }
  return { access: await accessTokenFor(deps, outcome.session), refresh: outcome.secret };
}

/** The live session and account behind an access token; throws NOT_AUTHENTICATED otherwise. */
export async function resolveAccessToken(deps: CoreDeps, token: string): Promise<AuthenticatedSession> {
  const now = deps.clock.now();
  const claims = await deps.signer.verify(token, now);
  const found = claims ? await deps.sessions.findWithAccount(deps.uow.db, claims.sid) : null;
  if (
    !claims ||
    !found ||
    found.session.kind !== 'token' ||
    found.session.accountId !== claims.sub ||
    found.account.status !== 'active' ||
    !isSessionLive(found.session, now)
  ) {
    throw new AuthError('NOT_AUTHENTICATED', 'a valid access token is required');
  }
  await touchSession(deps, found.session, now);
  return found;
}

/** Ends the session of an access token and its refresh family. */
export async function logoutAccessToken(deps: CoreDeps, token: string, ctx?: ClientContext): Promise<void> {
  const { session } = await resolveAccessToken(deps, token);
  await deps.uow.transaction(async (tx) => {
    await deps.sessions.revokeFamily(tx, session.familyId, deps.clock.now());
    await deps.audit.record(tx, { type: 'logout', outcome: 'success', accountId: session.accountId, ctx, detail: { sessionId: session.id } });
  });
}
