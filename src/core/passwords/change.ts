/**
 * Changing the password of a signed-in account. Every other session and refresh chain is
 * revoked (a thief holding one is logged out) and every reset link voided, in the same
 * transaction as the change; the owner gets a notice by email (NIST SP 800-63B §4.6).
 */
import { checkNewPassword, isPasswordWithinBounds, normalizePassword } from '../credentials/password-policy.js';
import type { CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import type { ChangePasswordOptions } from '../service.js';

/** Sets a new password, revokes the other sessions and reset links, queues a notice. */
export async function changePassword(
  deps: CoreDeps,
  accountId: string,
  newPassword: string,
  options: ChangePasswordOptions = {},
): Promise<void> {
  const account = await deps.accounts.findById(deps.uow.db, accountId);
  if (!account || account.status !== 'active') throw new AuthError('NOT_AUTHENTICATED', 'sign in again to change the password');
  if (options.currentPassword !== undefined) {
    const current = options.currentPassword;
    const matches =
      account.passwordHash !== null &&
      isPasswordWithinBounds(current) &&
      (await deps.hasher.verify(account.passwordHash, normalizePassword(current)));
    if (!matches) throw new AuthError('INVALID_CREDENTIALS', 'the current password is wrong', { field: 'currentPassword' });
  }
  const normalized = checkNewPassword(newPassword, deps.policy.passwordRules, { username: account.username, email: account.email });
  const passwordHash = await deps.hasher.hash(normalized);
  await deps.uow.transaction(async (tx) => {
    const now = deps.clock.now();
    await deps.accounts.setPasswordHash(tx, account.id, passwordHash, now);
    await deps.sessions.revokeAccountSessions(tx, account.id, now, options.keepSessionId);
    await deps.tokens.voidForAccount(tx, account.id, 'reset', now);
    if (account.email !== null) {
      const data: Record<string, string> = account.username ? { username: account.username } : {};
      await deps.outbox.enqueue(tx, { template: 'password_changed', to: account.email, data });
    }
  });
}
