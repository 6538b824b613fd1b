/**
 * Disabling and enabling accounts, and ending an account's sessions. Disabling sets the status,
 * revokes every session and refresh chain and voids every emailed link in one transaction, so
 * each credential of the account is refused from its next use on every node. That is backed up
 * at every use anyway: login, access-token and cookie checks, refresh rotation, HTTP Basic and
 * introspection all refuse an account that is not active, so a session a login opened while the
 * account was being disabled is refused too.
 */
import type { ClientContext, Tx } from '../ports.js';
import type { AccountStatus } from '../accounts/ports.js';
import type { AdminDeps } from './ports.js';
import type { SessionRevocations } from '../sessions/ports.js';
import { adminView, reloadUser, resolveUser, type AdminUser } from './users.js';

/** What a status change did. */
export interface StatusChange {
  user: AdminUser;
  /** False when the account already had the requested state. */
  changed: boolean;
  /** Live logins ended. */
  sessionsEnded: number;
}

/** Live logins of an account now, counted before they are ended. */
export async function countLiveSessions(deps: Pick<AdminDeps, 'clock'> & { sessions: SessionRevocations }, tx: Tx, accountId: string): Promise<number> {
  return (await deps.sessions.listLiveSessions(tx, accountId, deps.clock.now())).length;
}

/** Disables the account `ref` names and ends every session of it at once. */
export async function disableUser(deps: Pick<AdminDeps, 'uow' | 'accounts' | 'clock' | 'tokens' | 'audit'> & { sessions: SessionRevocations }, ref: string, ctx?: ClientContext): Promise<StatusChange> {
  const { id } = await resolveUser(deps, ref);
  return deps.uow.transaction(async (tx) => {
    const account = await reloadUser(deps, tx, id);
    const now = deps.clock.now();
    const sessionsEnded = await countLiveSessions(deps, tx, id);
    const changed = account.status !== 'disabled';
    if (changed) await deps.accounts.setStatus(tx, id, 'disabled', now);
    await deps.sessions.revokeAccountSessions(tx, id, now);
    await deps.tokens.voidForAccount(tx, id, 'reset', now);
    await deps.tokens.voidForAccount(tx, id, 'confirm', now);
    await deps.audit.record(tx, { type: 'account_disable', outcome: 'success', accountId: id, ctx, detail: { changed, sessionsEnded } });
    const user = adminView(changed ? { ...account, status: 'disabled', updatedAt: now } : account);
    return { user, changed, sessionsEnded };
  });
}

/**
 * Enables a disabled account: active again if it has a password, else pending (it never set
 * one: its owner finishes signing up with a fresh confirmation link). Sessions from before stay
 * ended: any left (a login or refresh that raced the disabling and committed after it) are
 * revoked here, so enabling never brings an old credential back.
 */
export async function enableUser(deps: Pick<AdminDeps, 'uow' | 'accounts' | 'clock' | 'audit'> & { sessions: SessionRevocations }, ref: string, ctx?: ClientContext): Promise<StatusChange> {
  const { id } = await resolveUser(deps, ref);
  return deps.uow.transaction(async (tx) => {
    const account = await reloadUser(deps, tx, id);
    if (account.status !== 'disabled') return { user: adminView(account), changed: false, sessionsEnded: 0 };
    const now = deps.clock.now();
    const status: AccountStatus = account.passwordHash === null ? 'pending' : 'active';
    const sessionsEnded = await countLiveSessions(deps, tx, id);
    await deps.sessions.revokeAccountSessions(tx, id, now);
    await deps.accounts.setStatus(tx, id, status, now);
    await deps.audit.record(tx, { type: 'account_enable', outcome: 'success', accountId: id, ctx, detail: { status } });
    return { user: adminView({ ...account, status, updatedAt: now }), changed: true, sessionsEnded };
  });
}

/** Ends every session and refresh chain of the account `ref` names; the account stays as it is. */
export async function revokeUserSessions(deps: Pick<AdminDeps, 'uow' | 'accounts' | 'clock' | 'audit'> & { sessions: SessionRevocations }, ref: string, ctx?: ClientContext): Promise<{ user: AdminUser; sessionsEnded: number }> {
  const { id } = await resolveUser(deps, ref);
  return deps.uow.transaction(async (tx) => {
    const account = await reloadUser(deps, tx, id);
    const sessionsEnded = await countLiveSessions(deps, tx, id);
    await deps.sessions.revokeAccountSessions(tx, id, deps.clock.now());
    await deps.audit.record(tx, { type: 'sessions_revoke', outcome: 'success', accountId: id, ctx, detail: { sessionsEnded } });
    return { user: adminView(account), sessionsEnded };
  });
}
