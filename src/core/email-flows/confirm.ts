/**
 * Following a confirmation link: the user chooses a password, which verifies the address and
 * activates the pending account, all in one transaction. The password is checked and hashed
 * before the link is consumed, so a rejected password does not burn the link; of concurrent
 * uses of one link exactly one succeeds (the consume is atomic).
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { isAuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import { foldCase } from '../accounts/identifiers.js';
import { consumeLinkToken, hashPasswordForLink, invalidLink, peekLinkToken } from './link-tokens.js';
import { countTokenFailure, refuseSpentTokenBudget } from '../credentials/address-limits.js';
import { clearLoginFailures } from '../credentials/throttle.js';

/** The address a usable confirmation link was sent to, or INVALID_TOKEN; the link stays usable. */
export async function checkConfirmToken(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'tokens' | 'throttle'>, token: string, ctx?: ClientContext): Promise<{ email: string }> {
  refuseSpentTokenBudget(deps, ctx); // before the lookup: an address past its token-failure budget is refused
  return peekLinkToken(deps, token, 'confirm').then(({ email }) => ({ email }));
}

/** Consumes a confirmation link, sets the password and activates the account. */
export async function confirmAccount(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'audit'>, token: string, password: string, ctx?: ClientContext): Promise<Account> {
  refuseSpentTokenBudget(deps, ctx); // before the lookup, the hash and the transaction
  try {
    const passwordHash = await hashPasswordForLink(deps, token, 'confirm', password);
    return await deps.uow.transaction(async (tx) => {
      const { account } = await consumeLinkToken(deps, tx, token, 'confirm');
      const now = deps.clock.now();
      const activated = await deps.accounts.activateWithPassword(tx, account.id, foldCase(account.email as string), passwordHash, now);
      if (!activated) throw invalidLink();
      await clearLoginFailures(deps, tx, account.id);
      await deps.audit.record(tx, { type: 'confirm', outcome: 'success', accountId: account.id, ctx });
      return { ...account, passwordHash, emailVerifiedAt: now, status: 'active' as const, updatedAt: now };
    });
  } catch (err) {
    if (isAuthError(err, 'INVALID_TOKEN')) {
      await deps.audit.note({ type: 'confirm', outcome: 'failure', ctx, detail: { reason: 'invalid_link' } });
      await countTokenFailure(deps, ctx);
    }
    throw err;
  }
}
