/**
 * Changing the email of a signed-in account, with re-verification (README "JSON API: every
 * account flow"). The request needs the current password again (verifyCurrentPassword: a
 * session alone cannot take over the account's mail). Nothing changes until the link mailed to
 * the new address is used: login by the old email keeps working until then, and the old address
 * gets a notice at once (an attacker changing it is seen) and again when it changes.
 *
 * The new address obeys the one namespace of usernames and emails. One already claimed by any
 * account gets the same answer as a free one, and its owner a notice instead of a link, so the
 * answer never reveals whether an address is in use. Stored: a link token (SHA-256 only) with
 * purpose `email_change` whose `email` is the new address; a newer request voids older links;
 * the link lives CONFIRM_TOKEN_TTL. Using it claims the address in the namespace (the database
 * decides: a race lost since the request is INVALID_TOKEN) and marks it verified.
 */
import { foldCase, normalizeEmail } from './identifiers.js';
import { countTokenFailure, refuseSpentTokenBudget, takeAddressAllowance } from '../credentials/address-limits.js';
import { verifyCurrentPassword } from '../credentials/current-password.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError, isAuthError } from '../errors.js';
import { takeMailBudget } from '../email-flows/mail-budget.js';
import { consumeLinkToken, invalidLink, issueLinkToken, linkData, peekLinkToken, type LinkOptions } from '../email-flows/link-tokens.js';
import { UniqueViolation } from '../ports.js';
import type { Account } from './ports.js';
import { greetingData } from '../outbox/greeting.js';

/** Starts an email change: the current password first, then a link to the new address (or a notice to its owner). */
export async function requestEmailChange(
  deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'outbox' | 'serverKey' | 'audit'>,
  accountId: string,
  currentPassword: string,
  newEmail: string,
  ctx?: ClientContext,
  options: LinkOptions = {},
): Promise<void> {
  const account = await deps.accounts.findById(deps.uow.db, accountId);
  if (!account || account.status !== 'active') throw new AuthError('NOT_AUTHENTICATED', 'sign in again to change the email');
  await verifyCurrentPassword(deps, account, currentPassword, 'email_change_requested', ctx);
  const email = normalizeEmail(newEmail);
  if (account.email !== null && foldCase(account.email) === email.key) throw new AuthError('INVALID_INPUT', 'this is already your email', { field: 'email' });
  await takeAddressAllowance(deps, 'mail_request', ctx);
  await deps.uow.transaction(async (tx) => {
    const audit = { type: 'email_change_requested' as const, accountId: account.id, ctx };
    if (!(await takeMailBudget(deps, tx, email.key))) {
      await deps.audit.record(tx, { ...audit, outcome: 'rejected', detail: { reason: 'mail_budget' } });
      return;
    }
    const holder = await deps.accounts.findByLoginKey(tx, email.key);
    if (holder) {
      if (holder.email !== null && foldCase(holder.email) === email.key) {
        await deps.outbox.enqueue(tx, { template: 'email_in_use', to: holder.email, data: greetingData(holder), language: holder.locale });
      }
      await deps.audit.record(tx, { ...audit, outcome: 'failure', detail: { reason: 'email_in_use' } });
    } else {
      const token = await issueLinkToken(deps, tx, account, email.display, 'email_change');
      await deps.outbox.enqueue(tx, { template: 'confirm_email_change', to: email.display, data: { ...linkData(token, options.returnTo), ...greetingData(account) }, language: account.locale });
      await deps.audit.record(tx, { ...audit, outcome: 'success' });
    }
    if (account.email !== null) {
      await deps.outbox.enqueue(tx, { template: 'email_change_notice', to: account.email, data: { stage: 'requested', ...greetingData(account) }, language: account.locale });
    }
  });
}

/** The new address of a usable email-change link, or INVALID_TOKEN; the link stays usable. */
export async function checkEmailChangeToken(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'tokens' | 'throttle'>, token: string, ctx?: ClientContext): Promise<{ email: string }> {
  refuseSpentTokenBudget(deps, ctx);
  return peekLinkToken(deps, token, 'email_change').then(({ email }) => ({ email }));
}

/** Consumes an email-change link: the new address replaces the old one (verified), the old one gets a notice. */
export async function confirmEmailChange(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'outbox' | 'audit'>, token: string, ctx?: ClientContext): Promise<Account> {
  refuseSpentTokenBudget(deps, ctx);
  try {
    return await deps.uow.transaction(async (tx) => {
      const { token: link, account } = await consumeLinkToken(deps, tx, token, 'email_change');
      const now = deps.clock.now();
      const changed = await deps.accounts
        .setEmail(tx, account.id, { display: link.email, key: foldCase(link.email) }, now)
        .catch((err: unknown) => {
          if (err instanceof UniqueViolation) throw invalidLink(); // claimed by another account since the request
          throw err;
        });
      if (!changed) throw invalidLink();
      // Reset and confirmation links went to the old address: void them.
      await deps.tokens.voidForAccount(tx, account.id, 'reset', now);
      if (account.email !== null) {
        await deps.outbox.enqueue(tx, { template: 'email_change_notice', to: account.email, data: { stage: 'changed', ...greetingData(account) }, language: account.locale });
      }
      await deps.audit.record(tx, { type: 'email_change', outcome: 'success', accountId: account.id, ctx });
      return { ...account, email: link.email, emailVerifiedAt: now, updatedAt: now };
    });
  } catch (err) {
    if (isAuthError(err, 'INVALID_TOKEN')) {
      await deps.audit.note({ type: 'email_change', outcome: 'failure', ctx, detail: { reason: 'invalid_link' } });
      await countTokenFailure(deps, ctx);
    }
    throw err;
  }
}
