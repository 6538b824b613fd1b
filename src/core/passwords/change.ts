/**
 * Changing the password of a signed-in account. Every other session and refresh chain is
 * revoked (a thief holding one is logged out) and every reset link voided, in the same
 * transaction as the change; the owner gets a notice by email (NIST SP 800-63B §4.6).
 */
import { verifyCurrentPassword } from '../credentials/current-password.js';
import { checkNewPassword } from '../credentials/password-policy.js';
import { clearLoginFailures } from '../credentials/throttle.js';
import type { CoreDeps } from '../deps.js';
import type { SessionLookups, SessionRevocations } from '../sessions/ports.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import type { ChangePasswordOptions } from './ports.js';
import { greetingData } from '../outbox/greeting.js';

/** Sets a new password, revokes the other sessions and reset links, queues a notice. */
export async function changePassword(
  deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'outbox' | 'audit'> & { sessions: SessionLookups & SessionRevocations },
  accountId: string,
  newPassword: string,
  options: ChangePasswordOptions = {},
  ctx?: ClientContext,
): Promise<void> {
  const account = await deps.accounts.findById(deps.uow.db, accountId);
  if (!account || account.status !== 'active') throw new AuthError('NOT_AUTHENTICATED', 'sign in again to change the password');
  if (options.currentPassword !== undefined) await verifyCurrentPassword(deps, account, options.currentPassword, 'password_change', ctx);
  const normalized = checkNewPassword(newPassword, deps.policy.passwordRules, { username: account.username, email: account.email });
  const passwordHash = await deps.hasher.hash(normalized);
  await deps.uow.transaction(async (tx) => {
    const now = deps.clock.now();
    await deps.accounts.setPasswordHash(tx, account.id, passwordHash, now);
    await clearLoginFailures(deps, tx, account.id);
    // The session that made the change keeps its whole refresh chain, so its reuse detection
    // and grace window still work; every other session and chain ends.
    const kept = options.keepSessionId === undefined ? null : await deps.sessions.findById(tx, options.keepSessionId);
    if (kept && kept.accountId === account.id) await deps.sessions.revokeOtherFamilies(tx, account.id, kept.familyId, now);
    else await deps.sessions.revokeAccountSessions(tx, account.id, now);
    await deps.tokens.voidForAccount(tx, account.id, 'reset', now);
    await deps.audit.record(tx, { type: 'password_change', outcome: 'success', accountId: account.id, ctx });
    if (account.email !== null) {
      await deps.outbox.enqueue(tx, { template: 'password_changed', to: account.email, data: greetingData(account), language: account.locale });
    }
  });
}
