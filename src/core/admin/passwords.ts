/**
 * A password an operator sets (choose-password.ts has the policy and the generator). Setting it
 * ends every session and refresh chain and voids the account's emailed links in the same
 * transaction, and the owner gets the notice a password change sends (NIST SP 800-63B §4.6),
 * so an account taken over cannot be kept by a session opened before.
 */
import type { ClientContext } from '../ports.js';
import { clearLoginFailures } from '../credentials/throttle.js';
import type { AdminDeps } from './ports.js';
import type { SessionRevocations } from '../sessions/ports.js';
import { countLiveSessions } from './account-status.js';
import { choosePassword } from './choose-password.js';
import { adminView, reloadUser, resolveUser, type AdminUser } from './users.js';
import { greetingData } from '../outbox/greeting.js';

/**
 * Sets the password of the account `ref` names (a generated one when `password` is null). A
 * pending account becomes active (the operator vouches for it); a disabled one stays disabled.
 */
export async function setUserPassword(
  deps: Pick<AdminDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'outbox' | 'audit'> & { sessions: SessionRevocations },
  ref: string,
  password: string | null,
  ctx?: ClientContext,
): Promise<{ user: AdminUser; generatedPassword: string | null; sessionsEnded: number }> {
  const account = await resolveUser(deps, ref);
  const chosen = choosePassword(deps, password ?? undefined, { username: account.username, email: account.email });
  const passwordHash = await deps.hasher.hash(chosen.password);
  const result = await deps.uow.transaction(async (tx) => {
    const current = await reloadUser(deps, tx, account.id);
    const now = deps.clock.now();
    const sessionsEnded = await countLiveSessions(deps, tx, current.id);
    await deps.accounts.setPasswordHash(tx, current.id, passwordHash, now);
    await clearLoginFailures(deps, tx, current.id);
    const status = current.status === 'pending' ? 'active' : current.status;
    if (status !== current.status) await deps.accounts.setStatus(tx, current.id, status, now);
    await deps.sessions.revokeAccountSessions(tx, current.id, now);
    await deps.tokens.voidForAccount(tx, current.id, 'reset', now);
    await deps.tokens.voidForAccount(tx, current.id, 'confirm', now);
    await deps.audit.record(tx, { type: 'password_change', outcome: 'success', accountId: current.id, ctx, detail: { by: 'admin', sessionsEnded } });
    if (current.email !== null) {
      await deps.outbox.enqueue(tx, { template: 'password_changed', to: current.email, data: greetingData(current), language: current.locale });
    }
    return { user: adminView({ ...current, passwordHash, status, updatedAt: now }), sessionsEnded };
  });
  return { ...result, generatedPassword: chosen.generated ? chosen.password : null };
}
