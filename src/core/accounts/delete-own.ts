/**
 * A signed-in user deleting their own account (JSON API, hosted pages): only after giving the
 * current password again, so a stolen session or an unattended browser cannot delete it; then
 * the same deletion as everywhere else (delete.ts: every credential dies at once, a notice is
 * mailed).
 */
import { verifyCurrentPassword } from '../credentials/current-password.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import { deleteAccount } from './delete.js';

/** Deletes the account once `currentPassword` is right; INVALID_CREDENTIALS otherwise (throttled like a login). */
export async function deleteOwnAccount(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'audit'>, accountId: string, currentPassword: string, ctx?: ClientContext): Promise<void> {
  const account = await deps.accounts.findById(deps.uow.db, accountId);
  if (!account || account.status !== 'active') throw new AuthError('NOT_AUTHENTICATED', 'sign in again to delete the account');
  await verifyCurrentPassword(deps, account, currentPassword, 'account_delete', ctx);
  await deleteAccount(deps, account.id, ctx);
}
