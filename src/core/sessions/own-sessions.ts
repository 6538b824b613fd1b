/**
 * A user's own sessions: list them, end one, end every other one (README, "The JSON API").
 *
 * A session here is a live login: a cookie session, or the live head of a refresh family
 * (rotated rows are history, not sessions). Its public id is the family id, which stays the
 * same across refreshes, so the id the list showed still ends a token login after the client
 * has refreshed; a cookie session's family id is its own id. Nothing secret leaves this module
 * (no secret hash; session ids are not credentials).
 *
 * Threats: a user probing for other accounts' sessions, or ending them. Every lookup is scoped
 * to the caller's account, so another account's id answers NOT_FOUND exactly like an unknown
 * id. Ending a session revokes its whole refresh family in one statement, so its cookie,
 * access token and refresh token are all refused at their next use. "Everywhere else" keeps the
 * caller's whole family (not only its row), so its rotated rows stay as reuse evidence and the
 * refresh grace window keeps working for the device that asked.
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import type { LiveSession, SessionKind, SessionLookups, SessionRevocations } from './ports.js';
import { isSessionLive } from './lifecycle.js';

/** One of the caller's sessions, as the caller sees it. */
export interface OwnSession {
  /** The family id: stable across refreshes; the id to end the session with. */
  id: string;
  kind: SessionKind;
  createdAt: number;
  lastSeenAt: number;
  ip: string | null;
  userAgent: string | null;
  /** True for the session making the request. */
  current: boolean;
}

export interface RevokeSessionOptions {
  /** The caller's own session row, so the result can say whether the caller just logged out. */
  currentSessionId?: string;
}

/** The most sessions listed (the most recently used; the caller's own is always included). */
export const OWN_SESSIONS_LIMIT = 100;

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function view(live: LiveSession, currentSessionId: string): OwnSession {
  return {
    id: live.familyId,
    kind: live.kind,
    createdAt: live.createdAt,
    lastSeenAt: live.lastSeenAt,
    ip: live.ip,
    userAgent: live.userAgent,
    current: live.sessionId === currentSessionId,
  };
}

/** The account's live sessions: the caller's first, then by last use, newest first. */
export async function listSessions(deps: Pick<CoreDeps, 'uow' | 'clock'> & { sessions: SessionLookups & SessionRevocations }, accountId: string, currentSessionId: string): Promise<OwnSession[]> {
  const now = deps.clock.now();
  const db = deps.uow.db;
  const live = await deps.sessions.listLiveSessions(db, accountId, now, { limit: OWN_SESSIONS_LIMIT });
  if (!live.some((s) => s.sessionId === currentSessionId)) {
    // Only possible past the limit: find the caller's own family and show it too.
    const current = await deps.sessions.findById(db, currentSessionId);
    if (current && current.accountId === accountId) {
      live.unshift(...(await deps.sessions.listLiveSessions(db, accountId, now, { familyId: current.familyId, limit: 1 })));
    }
  }
  const sessions = live.map((s) => view(s, currentSessionId));
  return [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
}

/**
 * Ends one of the account's own sessions (its whole refresh family). NOT_FOUND for an unknown,
 * ended or malformed id and for another account's session alike.
 */
export async function revokeSession(
  deps: Pick<CoreDeps, 'uow' | 'clock' | 'audit'> & { sessions: SessionRevocations },
  accountId: string,
  id: string,
  options: RevokeSessionOptions = {},
  ctx?: ClientContext,
): Promise<{ current: boolean }> {
  const notFound = new AuthError('NOT_FOUND', 'no such session');
  if (!SESSION_ID.test(id)) throw notFound;
  const ended = await deps.uow.transaction(async (tx) => {
    const now = deps.clock.now();
    const [live] = await deps.sessions.listLiveSessions(tx, accountId, now, { familyId: id, limit: 1 });
    if (!live) return null;
    await deps.sessions.revokeFamily(tx, live.familyId, now);
    await deps.audit.record(tx, { type: 'logout', outcome: 'success', accountId, ctx, detail: { familyId: live.familyId, scope: 'one' } });
    return live;
  });
  if (!ended) throw notFound;
  return { current: options.currentSessionId !== undefined && ended.sessionId === options.currentSessionId };
}

/**
 * Ends every session of the account except the caller's (its refresh family included).
 * NOT_AUTHENTICATED when the caller's own session is no longer live. Resolves to how many ended.
 */
export async function revokeOtherSessions(
  deps: Pick<CoreDeps, 'uow' | 'clock' | 'audit'> & { sessions: SessionLookups & SessionRevocations },
  accountId: string,
  currentSessionId: string,
  ctx?: ClientContext,
): Promise<{ revoked: number }> {
  const revoked = await deps.uow.transaction(async (tx) => {
    const now = deps.clock.now();
    const current = await deps.sessions.findById(tx, currentSessionId);
    if (!current || current.accountId !== accountId || !isSessionLive(current, now)) return null;
    const others = (await deps.sessions.listLiveSessions(tx, accountId, now)).filter((s) => s.familyId !== current.familyId);
    await deps.sessions.revokeOtherFamilies(tx, accountId, current.familyId, now);
    await deps.audit.record(tx, { type: 'logout', outcome: 'success', accountId, ctx, detail: { keptFamilyId: current.familyId, scope: 'others', count: others.length } });
    return others.length;
  });
  if (revoked === null) throw new AuthError('NOT_AUTHENTICATED', 'this session has ended');
  return { revoked };
}
