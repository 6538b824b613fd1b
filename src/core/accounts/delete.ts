/**
 * Account deletion. The row goes, and with it (ON DELETE CASCADE) every session, refresh chain
 * and emailed link, so every credential of the account dies at once; the notice to the owner
 * is queued in the same transaction, and so is the audit event (which outlives the account). The
 * username and email are free again afterwards; a new account under them gets a new id.
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import { greetingData } from '../outbox/greeting.js';

/** Deletes an account and queues a notice to its address; NOT_FOUND if it is already gone. */
export async function deleteAccount(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'outbox' | 'audit'>, accountId: string, ctx?: ClientContext): Promise<void> {
  await deps.uow.transaction(async (tx) => {
    const account = await deps.accounts.findById(tx, accountId);
    if (account?.email) {
      await deps.outbox.enqueue(tx, { template: 'account_deleted', to: account.email, data: greetingData(account), language: account.locale });
    }
    if (!account || !(await deps.accounts.deleteAccount(tx, accountId))) {
      throw new AuthError('NOT_FOUND', 'no such account');
    }
    await deps.audit.record(tx, { type: 'account_delete', outcome: 'success', accountId, ctx });
  });
}
