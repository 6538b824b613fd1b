/**
 * The JWT surface's sessions. A login yields a pair: a short-lived EdDSA access token naming
 * the session (`sid`) and its generation (`jti`), and an opaque refresh token carrying the
 * session id and the chain's current secret. A refresh rotates the session in place: the
 * row's generation goes up by one and it stores the hash of the successor secret, which is
 * derived from the presented one with a server key (HMAC). One row per login, one row update
 * per refresh; the previous access token is stale from then on.
 *
 * Reuse detection (RFC 9700 §4.14.2): a secret issued for an earlier generation of the chain
 * (its authenticated generation says so: refresh-secret.ts) is an earlier token presented again,
 * so it was copied and the whole family is revoked. The exception is the grace window: within
 * `refreshReuseGrace` seconds of the rotation, the immediately previous token yields the current
 * pair again, so a client with several tabs refreshing at once is not logged out and exactly one
 * rotation happens. Rows are locked for update, so concurrent refreshes serialize. Rows rotated
 * by releases before rotation in place (a successor row per refresh) keep those rules. A current
 * token is first tried as one conditional statement (rotateCurrent), which rotates only what the
 * locked rotation would rotate and leaves everything else to it.
 *
 * Cost: placing a presented token in its chain is bounded (a few HMACs) whatever the chain's
 * length; an address over its token-failure budget is refused before any of it; a chain rotates
 * at most `refreshRotationsPerMinute` times a minute (docs/decisions.md).
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext, Tx } from '../ports.js';
import { verifyLogin } from '../credentials/authenticate.js';
import { requireSecondStep } from '../mfa/second-step.js';
import { refuseWithoutFactor } from '../mfa/require.js';
import { decodeRefreshToken, encodeRefreshToken, hashSecret, successorSecret } from '../credentials/secrets.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import type { Session, SessionWithAccount, SessionWrites, SessionLookups, SessionRevocations } from '../sessions/ports.js';
import { lookupSession } from '../sessions/cached-lookup.js';
import { clientAgent, isSessionLive, lifetimesFor, openLoginSession, touchSession } from '../sessions/lifecycle.js';
import { countTokenFailure, refuseSpentTokenBudget } from '../credentials/address-limits.js';
import type { AuditEvent } from '../audit/ports.js';
import { examineSecret, firstRefreshSecret, placeInChain, successorOf, type PresentedSecret } from './refresh-secret.js';

export interface TokenPair {
  access: string;
  refresh: string;
}

export interface AuthenticatedSession {
  account: Account;
  session: Session;
}

/** Rotations per minute of one refresh chain when the policy does not say (docs/decisions.md). */
export const DEFAULT_REFRESH_ROTATIONS_PER_MINUTE = 10;
const MINUTE = 60_000;

/** The `jti` of a session's current access token: the session id, then the generation once rotated. */
function accessTokenId(session: Session): string {
  return session.generation === 0 ? session.id : `${session.id}.${session.generation}`;
}

/**
 * Signs the access token of a session's current generation. Deterministic for a given
 * generation, so a grace re-issue is identical; a rotation makes the previous one stale.
 */
async function accessTokenFor(deps: Pick<CoreDeps, 'signer' | 'policy'>, session: Session): Promise<string> {
  const iat = Math.floor((session.chainAt ?? session.createdAt) / 1000);
  return deps.signer.sign({
    sub: session.accountId,
    sid: session.id,
    iat,
    exp: iat + deps.policy.accessTokenTtl,
    jti: accessTokenId(session),
  });
}

/** Checks a password and opens a token session; MFA_REQUIRED (with the step's token) for an account with a second factor, MFA_ENROLMENT_REQUIRED (REQUIRE_MFA) for one without. */
export async function loginForTokens(
  deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'signer' | 'clock' | 'policy' | 'throttle' | 'serverKey' | 'audit' | 'secondFactor' | 'onRefreshMac'> & { sessions: SessionWrites },
  identifier: string,
  password: string,
  ctx: ClientContext,
): Promise<TokenPair> {
  const login = await verifyLogin(deps, identifier, password, ctx);
  await requireSecondStep(deps, login, ctx);
  await refuseWithoutFactor(deps, login, ctx);
  return openTokenSession(deps, login.account, ctx, ['pwd']);
}

/** Opens a token session for a login whose factors (`amr`) are proved; records the login. */
export async function openTokenSession(deps: Pick<CoreDeps, 'uow' | 'signer' | 'clock' | 'policy' | 'serverKey' | 'audit' | 'onRefreshMac'> & { sessions: SessionWrites }, account: Account, ctx: ClientContext, amr: string[]): Promise<TokenPair> {
  const started = await openLoginSession(deps, account, 'token', ctx, { amr: amr.join(' ') }, { secret: (id) => firstRefreshSecret(deps, id), amr });
  return { access: await accessTokenFor(deps, started.session), refresh: encodeRefreshToken(started.session.id, started.secret) };
}

type RotationOutcome =
  | { kind: 'rotated'; session: Session; secret: string }
  | { kind: 'reused' }
  | { kind: 'throttled'; retryAfter: number }
  | { kind: 'invalid'; reason: string; accountId: string | null };

/** The session of a bare refresh secret from an earlier release, found by its hash, with its account. */
async function findLegacyForUpdate(deps: Pick<CoreDeps, 'accounts'> & { sessions: SessionWrites }, tx: Tx, secret: string): Promise<{ session: Session; account: Account | null } | null> {
  const session = await deps.sessions.findBySecretHashForUpdate(tx, hashSecret(secret));
  return session && { session, account: await deps.accounts.findById(tx, session.accountId) };
}

/** The rotation itself, inside its transaction: see the module comment for the rules. */
async function rotateChain(deps: Pick<CoreDeps, 'accounts' | 'sessions' | 'clock' | 'policy' | 'serverKey' | 'audit' | 'onRefreshMac'>, tx: Tx, presented: NonNullable<ReturnType<typeof decodeRefreshToken>>, known: PresentedSecret | null, ctx: ClientContext): Promise<RotationOutcome> {
  const found = presented.sessionId === null ? await findLegacyForUpdate(deps, tx, presented.secret) : await deps.sessions.findWithAccountForUpdate(tx, presented.sessionId);
  const current = found?.session;
  if (!current || current.kind !== 'token') return { kind: 'invalid', reason: 'unknown', accountId: null };
  const place = placeInChain(deps, current, presented.secret, known);
  if (place === null) return { kind: 'invalid', reason: 'unknown', accountId: null };
  const { behind } = place;
  if (current.revokedAt !== null) return { kind: 'invalid', reason: 'revoked', accountId: current.accountId };
  const now = deps.clock.now();
  const grace = deps.policy.refreshReuseGrace * 1000;
  if (current.rotatedAt !== null || behind > 0) {
    // A token that was rotated already: within the grace window the immediately previous one
    // gets the current pair again; anything else is reuse.
    const rotatedAt = current.rotatedAt ?? current.chainAt ?? current.createdAt;
    const withinGrace = grace > 0 && now - rotatedAt <= grace && (current.rotatedAt !== null || (behind === 1 && place.current !== null));
    const successor = !withinGrace ? null : current.rotatedAt === null ? current : current.replacedBy ? await deps.sessions.findById(tx, current.replacedBy) : null;
    if (successor && isSessionLive(successor, now)) {
      // A row rotated by an earlier release handed out the legacy successor of its secret.
      const secret = current.rotatedAt === null ? (place.current as string) : successorSecret(deps.serverKey, presented.secret);
      const detail = { sessionId: successor.id, grace: true };
      await deps.audit.record(tx, { type: 'refresh', outcome: 'success', accountId: current.accountId, ctx, detail });
      return { kind: 'rotated', session: successor, secret };
    }
    await deps.sessions.revokeFamily(tx, current.familyId, now);
    await deps.audit.record(tx, { type: 'refresh_reuse', outcome: 'rejected', accountId: current.accountId, ctx, detail: { familyId: current.familyId } });
    return { kind: 'reused' };
  }
  if (!isSessionLive(current, now)) return { kind: 'invalid', reason: 'expired', accountId: current.accountId };
  const account = found.account;
  if (!account || account.status !== 'active') return { kind: 'invalid', reason: 'inactive', accountId: current.accountId };
  const limit = deps.policy.refreshRotationsPerMinute ?? DEFAULT_REFRESH_ROTATIONS_PER_MINUTE;
  const windowAt = current.rotationWindowAt ?? null;
  const freshWindow = windowAt === null || now - windowAt >= MINUTE || now < windowAt;
  const rotationCount = freshWindow ? 1 : (current.rotationCount ?? 0) + 1;
  if (rotationCount > limit) {
    return { kind: 'throttled', retryAfter: Math.max(1, Math.ceil(((windowAt ?? now) + MINUTE - now) / 1000)) };
  }
  const secret = successorOf(deps, current.id, current.generation + 1, presented.secret, known);
  const next = {
    rotationWindowAt: freshWindow ? now : windowAt,
    rotationCount,
    chainHash: hashSecret(secret),
    at: now,
    idleExpiresAt: Math.min(now + lifetimesFor(deps, 'token').idle * 1000, current.absoluteExpiresAt),
    ip: ctx.ip,
    userAgent: clientAgent(ctx),
  };
  if (!(await deps.sessions.advanceChain(tx, current.id, current.generation, next))) {
    return { kind: 'invalid', reason: 'raced', accountId: current.accountId };
  }
  const session: Session = {
    ...current,
    generation: current.generation + 1,
    chainHash: next.chainHash,
    chainAt: now,
    lastSeenAt: now,
    idleExpiresAt: next.idleExpiresAt,
    ip: next.ip,
    userAgent: next.userAgent,
    rotationWindowAt: next.rotationWindowAt,
    rotationCount: next.rotationCount,
  };
  await deps.audit.record(tx, { type: 'refresh', outcome: 'success', accountId: account.id, ctx, detail: { sessionId: session.id } });
  return { kind: 'rotated', session, secret };
}

/**
 * The fast path of a refresh (docs/decisions.md, "A current refresh token rotates in one
 * statement"): the presented secret is rotated into `derived` by one conditional UPDATE, which
 * applies only when its hash is the row's current one at the generation it claims and
 * rotateChain would rotate it too (live, not revoked, not rotated by an earlier release, active
 * account, within the rotations per minute). Outside a transaction when the audit event will
 * only be counted (most rotations of a chain); in one with the audit row when it will be
 * written. Null when it did not apply: then rotateChain decides (reuse, grace, throttle,
 * expiry) exactly as before.
 */
async function rotateCurrent(deps: Pick<CoreDeps, 'uow' | 'sessions' | 'clock' | 'policy' | 'audit'>, sessionId: string, derived: NonNullable<PresentedSecret['successor']>, presented: string, ctx: ClientContext): Promise<{ session: Session; secret: string } | null> {
  const now = deps.clock.now();
  const rotation = {
    generation: derived.generation - 1,
    presentedHash: hashSecret(presented),
    chainHash: hashSecret(derived.secret),
    at: now,
    idleExpiresAt: now + lifetimesFor(deps, 'token').idle * 1000,
    ip: ctx.ip,
    userAgent: clientAgent(ctx),
    rotationsPerMinute: deps.policy.refreshRotationsPerMinute ?? DEFAULT_REFRESH_ROTATIONS_PER_MINUTE,
    rotationWindowMs: MINUTE,
  };
  const event = (accountId: string | null): AuditEvent => ({ type: 'refresh', outcome: 'success', accountId, ctx, detail: { sessionId } });
  const rotate = async (tx: Tx) => {
    const session = await deps.sessions.rotateCurrent(tx, sessionId, rotation);
    if (session) await deps.audit.record(tx, event(session.accountId));
    return session && { session, secret: derived.secret };
  };
  return deps.audit.folds?.(event(null)) ? rotate(deps.uow.db) : deps.uow.transaction(rotate);
}

/**
 * Exchanges a refresh token for a new pair; see the module comment for the rules. The token
 * names its session, whose row is rotated in place; a bare 43-character token of an earlier
 * release is found by its hash, and a row that release rotated keeps its old rules.
 */
export async function rotateRefreshToken(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'sessions' | 'signer' | 'clock' | 'policy' | 'throttle' | 'serverKey' | 'audit' | 'onRefreshMac'>, refresh: string, ctx: ClientContext): Promise<TokenPair> {
  refuseSpentTokenBudget(deps, ctx);
  const presented = decodeRefreshToken(refresh);
  // A token that names its session and carries a valid tag tries the one-statement rotation first.
  const known = presented?.sessionId ? examineSecret(deps, presented.sessionId, presented.secret) : null;
  const fast = presented?.sessionId && known?.successor ? await rotateCurrent(deps, presented.sessionId, known.successor, presented.secret, ctx) : null;
  const outcome: RotationOutcome = fast
    ? { kind: 'rotated', ...fast }
    : presented
      ? await deps.uow.transaction((tx) => rotateChain(deps, tx, presented, known, ctx))
      : { kind: 'invalid', reason: 'malformed', accountId: null };
  if (outcome.kind === 'reused') {
    throw new AuthError('TOKEN_REUSED', 'this refresh token was already used; every session of its chain is now closed');
  }
  if (outcome.kind === 'throttled') {
    // Recorded as `rate_limited` by the HTTP layer, like every 429.
    throw new AuthError('THROTTLED', 'this session refreshed too often; try again later', { retryAfter: outcome.retryAfter });
  }
  if (outcome.kind === 'invalid') {
    await deps.audit.note({ type: 'refresh', outcome: 'failure', accountId: outcome.accountId, ctx, detail: { reason: outcome.reason } });
    await countTokenFailure(deps, ctx);
    throw new AuthError('INVALID_TOKEN', 'the refresh token is invalid or expired');
  }
  return { access: await accessTokenFor(deps, outcome.session), refresh: encodeRefreshToken(outcome.session.id, outcome.secret) };
}

/**
 * The session and account whose current refresh token this is, or null (an earlier token of a
 * chain, a made-up one, or not a refresh token). Reads only: nothing is rotated or touched.
 */
export async function findRefreshHolder(deps: Pick<CoreDeps, 'uow' | 'sessionCache'> & { sessions: SessionLookups }, refresh: string): Promise<AuthenticatedSession | null> {
  const presented = decodeRefreshToken(refresh);
  if (!presented) return null;
  const hash = hashSecret(presented.secret);
  const holds = (f: SessionWithAccount): boolean => (f.session.chainHash ?? f.session.secretHash) === hash;
  const found = await lookupSession(deps, presented.sessionId === null ? { by: 'secret', value: hash } : { by: 'id', value: presented.sessionId }, holds);
  return found && holds(found) ? found : null;
}

/** The live session and active account behind an access token, or null when there is none (a lookup: the edge decides the answer). */
export async function resolveAccessToken(deps: Pick<CoreDeps, 'uow' | 'signer' | 'clock' | 'policy' | 'sessionCache'> & { sessions: SessionLookups }, token: string): Promise<AuthenticatedSession | null> {
  const now = deps.clock.now();
  const claims = await deps.signer.verify(token, now);
  const usable = (f: SessionWithAccount): boolean =>
    claims !== null &&
    f.session.kind === 'token' &&
    f.session.accountId === claims.sub &&
    claims.jti === accessTokenId(f.session) &&
    f.account.status === 'active' &&
    isSessionLive(f.session, now);
  const found = claims ? await lookupSession(deps, { by: 'id', value: claims.sid }, usable) : null;
  if (!claims || !found || !usable(found)) {
    return null;
  }
  await touchSession(deps, found.session, now);
  return found;
}

/** The refusal of a request whose access token is no live session's (the JWT API's 401). */
export function accessTokenRequired(): AuthError {
  return new AuthError('NOT_AUTHENTICATED', 'a valid access token is required');
}

/** Ends the session of an access token and its refresh family; NOT_AUTHENTICATED when the token is no live session's. */
export async function logoutAccessToken(deps: Pick<CoreDeps, 'uow' | 'signer' | 'clock' | 'policy' | 'audit' | 'sessionCache'> & { sessions: SessionLookups & SessionRevocations }, token: string, ctx?: ClientContext): Promise<void> {
  const found = await resolveAccessToken(deps, token);
  if (found === null) throw accessTokenRequired();
  const { session } = found;
  await deps.uow.transaction(async (tx) => {
    await deps.sessions.revokeFamily(tx, session.familyId, deps.clock.now());
    await deps.audit.record(tx, { type: 'logout', outcome: 'success', accountId: session.accountId, ctx, detail: { sessionId: session.id } });
  });
}
