/**
 * Sessions: one row per login on any surface. The client holds a 256-bit secret (the cookie
 * value, or the refresh token); the row holds only its SHA-256. A session dies when revoked,
 * when rotated into a successor (refresh), when idle past its idle expiry, or at its absolute
 * expiry, whichever comes first; all four are checked on the server at every use.
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext, Tx } from '../ports.js';
import { hashSecret, newId, newSecret } from '../credentials/secrets.js';
import type { Account } from '../accounts/ports.js';
import type { AuditDetail, AuditEvent } from '../audit/ports.js';
import type { Session, SessionKind, SessionWrites, SessionLookups } from './ports.js';
import { underWayOf, whileUnderWay } from './under-way.js';

export interface StartedSession {
  session: Session;
  /** The secret to hand to the client; it is not stored. */
  secret: string;
}

/** Seconds of idle and absolute lifetime for a kind of session. */
export function lifetimesFor(deps: Pick<CoreDeps, 'policy'>, kind: SessionKind): { idle: number; absolute: number } {
  const p = deps.policy;
  return kind === 'cookie'
    ? { idle: p.sessionIdleTtl, absolute: p.sessionAbsoluteTtl }
    : { idle: p.refreshIdleTtl, absolute: p.refreshAbsoluteTtl };
}

/** True when the session may still be used at `now`. */
export function isSessionLive(session: Session, now: number): boolean {
  return (
    session.revokedAt === null &&
    session.rotatedAt === null &&
    now < session.idleExpiresAt &&
    now < session.absoluteExpiresAt
  );
}

/** The user agent as stored with a session (cut to 512 characters). */
export function clientAgent(ctx: ClientContext): string | null {
  return ctx.userAgent === null ? null : ctx.userAgent.slice(0, 512);
}

/** Builds a new session row (not yet stored). `secret` (or a function of the new id) defaults to a fresh random one. */
export function buildSession(
  deps: Pick<CoreDeps, 'clock' | 'policy'>,
  account: Account,
  kind: SessionKind,
  ctx: ClientContext,
  options: { familyId?: string; absoluteExpiresAt?: number; secret?: string | ((id: string) => string); amr?: string[] } = {},
): StartedSession {
  const now = deps.clock.now();
  const life = lifetimesFor(deps, kind);
  const id = newId();
  const secret = typeof options.secret === 'function' ? options.secret(id) : (options.secret ?? newSecret());
  const absoluteExpiresAt = options.absoluteExpiresAt ?? now + life.absolute * 1000;
  const session: Session = {
    id,
    secretHash: hashSecret(secret),
    accountId: account.id,
    kind,
    familyId: options.familyId ?? id,
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: Math.min(now + life.idle * 1000, absoluteExpiresAt),
    absoluteExpiresAt,
    rotatedAt: null,
    replacedBy: null,
    revokedAt: null,
    ip: ctx.ip,
    userAgent: clientAgent(ctx),
    generation: 0,
    chainHash: null,
    chainAt: null,
    amr: options.amr ?? ['pwd'],
  };
  return { session, secret };
}

/**
 * Creates and stores a new session for `account`. Beyond `maxSessionsPerAccount` live logins,
 * the least recently used ones end first, in the same transaction, with a `session_evicted`
 * audit event (docs/security.md, "Sessions per account"): one account cannot pile up sessions,
 * and the owner's recent devices stay logged in.
 */
export async function startSession(
  deps: Pick<CoreDeps, 'clock' | 'policy' | 'audit'> & { sessions: SessionWrites },
  tx: Tx,
  account: Account,
  kind: SessionKind,
  ctx: ClientContext,
  options: { secret?: (id: string) => string; amr?: string[] } = {},
): Promise<StartedSession> {
  const started = buildSession(deps, account, kind, ctx, options);
  const cap = deps.policy.maxSessionsPerAccount;
  if (cap !== undefined) {
    // Most logins are under the cap: the account is locked and the row inserted if so, in two
    // statements; over it, the least recently used end first, then the row is inserted.
    if (await deps.sessions.insertWithinCap(tx, started.session, cap - 1)) return started;
    const ended = await deps.sessions.endLeastRecentlyUsed(tx, account.id, cap - 1, started.session.createdAt);
    if (ended.length > 0) {
      const oldest = ended[ended.length - 1] as (typeof ended)[number];
      await deps.audit.record(tx, {
        type: 'session_evicted',
        outcome: 'success',
        accountId: account.id,
        ctx,
        detail: { sessionsEnded: ended.length, familyId: oldest.familyId, lastSeenAt: new Date(oldest.lastSeenAt).toISOString(), cap, newSessionId: started.session.id },
      });
    }
  }
  await deps.sessions.insert(tx, started.session);
  return started;
}

/**
 * Opens a login's session and records its `login` audit event (the session's id and `detail`),
 * in one transaction: startSession, then the event. On PostgreSQL a login under the cap is one
 * statement instead (SessionWrites.openWithinCap: the lock, the row, the audit row and the commit
 * were five round trips, docs/decisions.md "Logins on PostgreSQL: fewer round trips"); over the
 * cap it wrote nothing, and the transaction runs as on SQLite.
 */
export async function openLoginSession(
  deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'audit'> & { sessions: SessionWrites },
  account: Account,
  kind: SessionKind,
  ctx: ClientContext,
  detail: AuditDetail,
  options: { secret?: (id: string) => string; amr?: string[] } = {},
): Promise<StartedSession> {
  const loginEvent = (session: Session): AuditEvent => ({ type: 'login', outcome: 'success', accountId: account.id, ctx, detail: { sessionId: session.id, ...detail } });
  const cap = deps.policy.maxSessionsPerAccount;
  const open = deps.sessions.openWithinCap;
  if (cap !== undefined && open && deps.audit.writeWith) {
    const started = buildSession(deps, account, kind, ctx, options);
    if (await deps.audit.writeWith(loginEvent(started.session), (row) => open(deps.uow.db, started.session, cap - 1, row))) return started;
  }
  return deps.uow.transaction(async (tx) => {
    const opened = await startSession(deps, tx, account, kind, ctx, options);
    await deps.audit.record(tx, loginEvent(opened.session));
    return opened;
  });
}

/** The last-seen writes under way, per session store and session id. */
const touching = new WeakMap<object, Map<string, Promise<void>>>();

/**
 * Slides the idle expiry of a session that is in use, at most once per touch interval. Checks of
 * one session that find it due at the same time (a client's parallel requests after a pause)
 * share one write instead of each writing the row: a check that finds a write of its session
 * under way waits for that one, so every check still answers after the new expiry is stored.
 */
export async function touchSession(deps: Pick<CoreDeps, 'uow' | 'policy'> & { sessions: SessionLookups }, session: Session, now: number): Promise<void> {
  if (now - session.lastSeenAt < deps.policy.touchInterval * 1000) return;
  const writes = underWayOf(touching, deps.sessions);
  const under = writes.get(session.id);
  if (under) return under;
  const idle = lifetimesFor(deps, session.kind).idle * 1000;
  const write = deps.sessions.touch(deps.uow.db, session.id, now, Math.min(now + idle, session.absoluteExpiresAt));
  await whileUnderWay(writes, session.id, write, write);
}
