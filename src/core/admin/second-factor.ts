/**
 * The operator's side of the second factor (docs/security.md, "Second factor"): a reset for a
 * lost device (every factor, recovery code and pending step of the account goes; audited, the
 * owner mailed), and the account's app passwords listed and revoked. No owner's proof: the
 * operator's credential (the admin key, or the CLI's database access) is the proof.
 */
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import { noticeFactorChange, resetSecondFactor } from '../mfa/enrol.js';
import type { AppPassword } from '../mfa/ports.js';
import type { AdminDeps } from './ports.js';
import { adminView, resolveUser, type AdminUser } from './users.js';

/** Removes every second factor of the account named by `ref`; resolves to it and the factors removed. */
export async function resetUserSecondFactor(deps: Pick<AdminDeps, 'uow' | 'accounts' | 'clock' | 'outbox' | 'audit' | 'secondFactor'>, ref: string, ctx?: ClientContext): Promise<{ user: AdminUser; factorsRemoved: number }> {
  const account = await resolveUser(deps, ref);
  const { removed } = await resetSecondFactor(deps, account.id, ctx ?? { ip: null, userAgent: null, surface: 'admin' });
  return { user: adminView(account), factorsRemoved: removed };
}

/** The app passwords of the account named by `ref` (never their secrets). */
export async function listUserAppPasswords(deps: Pick<AdminDeps, 'uow' | 'accounts' | 'secondFactor'>, ref: string): Promise<{ user: AdminUser; appPasswords: AppPassword[] }> {
  const account = await resolveUser(deps, ref);
  return { user: adminView(account), appPasswords: await deps.secondFactor.appPasswords.list(deps.uow.db, account.id) };
}

/** Revokes one app password of the account named by `ref`; NOT_FOUND when it has none with this id. */
export async function revokeUserAppPassword(deps: Pick<AdminDeps, 'uow' | 'accounts' | 'outbox' | 'audit' | 'secondFactor'>, ref: string, id: string, ctx?: ClientContext): Promise<AdminUser> {
  const account = await resolveUser(deps, ref);
  await deps.uow.transaction(async (tx) => {
    if (!(await deps.secondFactor.appPasswords.delete(tx, account.id, id))) throw new AuthError('NOT_FOUND', 'the account has no app password with this id');
    await deps.audit.record(tx, { type: 'app_password_revoke', outcome: 'success', accountId: account.id, ctx, detail: { appPasswordId: id, by: 'operator' } });
    await noticeFactorChange(deps, tx, account, 'app_password_revoked');
  });
  return adminView(account);
}
