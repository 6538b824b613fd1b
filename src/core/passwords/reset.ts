/**
 * Password reset by email. Stored: a reset link token (SHA-256 only, 30 min by default, single
 * use, voided by a newer link or any password change). In 'link' mode a request changes
 * nothing but queueing the link; completing it sets the password, revokes every session and
 * refresh chain of the account and sends a notice. In 'new_password' mode (README, "The HTTP Basic API";
 * compatibility) the request itself sets a generated password, revokes every session and
 * emails the password.
 *
 * Who gets what: an active account with an email gets the reset; a pending account (signed up,
 * never confirmed) gets a fresh confirmation link instead, since setting its first password is
 * what confirming does; an unknown identifier, a disabled account or one without an email gets
 * nothing. Every case resolves identically and does comparable database (and, in
 * 'new_password' mode, hashing) work, so neither the answer nor its timing reveals whether an
 * account exists (docs/security.md, SEC-9 and SEC-16).
 */
import { foldCase, loginKey } from '../accounts/identifiers.js';
import { takeMailBudget } from '../email-flows/mail-budget.js';
import { countTokenFailure, refuseSpentTokenBudget, takeAddressAllowance } from '../credentials/address-limits.js';
import { newId } from '../credentials/secrets.js';
import { clearLoginFailures } from '../credentials/throttle.js';
import type { CoreDeps } from '../deps.js';
import type { SessionRevocations } from '../sessions/ports.js';
import type { ClientContext, Tx } from '../ports.js';
import { isAuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import type { AuditEvent } from '../audit/ports.js';
import { LINK_MAIL_STATEMENTS, padStatements } from '../email-flows/even-work.js';
import { consumeLinkToken, hashPasswordForLink, issueLinkToken, linkData, peekLinkToken, type LinkOptions } from '../email-flows/link-tokens.js';
import { generatePassword } from './generate.js';
import { greetingData } from '../outbox/greeting.js';

/** Starts a reset for a username or email; see the module comment for what each case gets. */
export async function requestPasswordReset(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'outbox' | 'serverKey' | 'audit'> & { sessions: SessionRevocations }, identifier: string, ctx?: ClientContext, options: LinkOptions = {}): Promise<void> {
  await takeAddressAllowance(deps, 'mail_request', ctx);
  const key = loginKey(identifier);
  const found = key === null ? null : await deps.accounts.findByLoginKey(deps.uow.db, key);
  const account = found && found.email !== null && found.status !== 'disabled' ? found : null;
  const audit: RequestAudit = {
    base: { type: 'reset_requested', identifier, accountId: found?.id ?? null, ctx },
    noAccount: !found ? 'unknown_account' : found.email === null ? 'no_email' : 'disabled',
  };
  if (deps.policy.resetMode === 'new_password' && account?.status !== 'pending') {
    return resetToNewPassword(deps, account, audit);
  }
  await deps.uow.transaction(async (tx) => {
    // Every branch makes the statements of a mailed link, real or matching nothing (even-work.ts).
    if (!account) {
      // The typed identifier's own budget: the same upserts as a real address, and harmless.
      // A malformed identifier (control characters, NUL: PostgreSQL refuses those in text) shares
      // one key; it can match no account anyway.
      await takeMailBudget(deps, tx, key === null ? 'id:(malformed)' : `id:${key}`);
      await padStatements(deps, tx, LINK_MAIL_STATEMENTS);
      await deps.audit.record(tx, { ...audit.base, outcome: 'failure', detail: { reason: audit.noAccount } });
      return;
    }
    if (!(await takeMailBudget(deps, tx, foldCase(account.email as string)))) {
      await padStatements(deps, tx, LINK_MAIL_STATEMENTS);
      await deps.audit.record(tx, { ...audit.base, outcome: 'rejected', detail: { reason: 'mail_budget' } });
      return;
    }
    await sendLink(deps, tx, account, options.returnTo);
    await deps.audit.record(tx, { ...audit.base, outcome: 'success', detail: { sent: account.status === 'pending' ? 'confirm_link' : 'reset_link' } });
  });
}

/** The audit event of a reset request, and why nothing is sent when no account qualifies. */
interface RequestAudit {
  base: Omit<AuditEvent, 'outcome'>;
  noAccount: string;
}

async function sendLink(deps: Pick<CoreDeps, 'clock' | 'policy' | 'tokens' | 'outbox'>, tx: Tx, account: Account, returnTo: string | undefined): Promise<void> {
  const email = account.email as string;
  if (account.status === 'pending') {
    const token = await issueLinkToken(deps, tx, account, email, 'confirm');
    await deps.outbox.enqueue(tx, { template: 'confirm_account', to: email, data: linkData(token, returnTo), language: account.locale });
    return;
  }
  const token = await issueLinkToken(deps, tx, account, email, 'reset');
  await deps.outbox.enqueue(tx, { template: 'reset_password', to: email, data: { ...linkData(token, returnTo), ...greetingData(account) }, language: account.locale });
}

async function resetToNewPassword(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'tokens' | 'throttle' | 'outbox' | 'serverKey' | 'audit'> & { sessions: SessionRevocations }, account: Account | null, audit: RequestAudit): Promise<void> {
  const password = generatePassword();
  const passwordHash = await deps.hasher.hash(password);
  await deps.uow.transaction(async (tx) => {
    const now = deps.clock.now();
    if (!account) {
      await deps.sessions.revokeAccountSessions(tx, newId(), now);
      await deps.audit.record(tx, { ...audit.base, outcome: 'failure', detail: { reason: audit.noAccount } });
      return;
    }
    // Over the address's mail budget: change nothing (the new password could not be sent).
    if (!(await takeMailBudget(deps, tx, foldCase(account.email as string)))) {
      await deps.audit.record(tx, { ...audit.base, outcome: 'rejected', detail: { reason: 'mail_budget' } });
      return;
    }
    await deps.accounts.setPasswordHash(tx, account.id, passwordHash, now);
    await clearLoginFailures(deps, tx, account.id);
    await deps.sessions.revokeAccountSessions(tx, account.id, now);
    await deps.tokens.voidForAccount(tx, account.id, 'reset', now);
    await deps.outbox.enqueue(tx, { template: 'new_password', to: account.email as string, data: { password, ...greetingData(account) }, language: account.locale });
    await deps.audit.record(tx, { ...audit.base, outcome: 'success', detail: { sent: 'new_password' } });
    await deps.audit.record(tx, { type: 'reset_completed', outcome: 'success', accountId: account.id, ctx: audit.base.ctx, detail: { mode: 'new_password' } });
  });
}

/** The address a usable reset link was sent to, or INVALID_TOKEN; the link stays usable. */
export async function checkResetToken(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'tokens' | 'throttle'>, token: string, ctx?: ClientContext): Promise<{ email: string }> {
  refuseSpentTokenBudget(deps, ctx); // before the lookup: an address past its token-failure budget is refused
  return peekLinkToken(deps, token, 'reset').then(({ email }) => ({ email }));
}

/** Consumes a reset link: sets the password, revokes every session and reset link, queues a notice. */
export async function completePasswordReset(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'outbox' | 'audit'> & { sessions: SessionRevocations }, token: string, newPassword: string, ctx?: ClientContext): Promise<Account> {
  refuseSpentTokenBudget(deps, ctx); // before the lookup, the hash and the transaction
  try {
    const passwordHash = await hashPasswordForLink(deps, token, 'reset', newPassword);
    return await deps.uow.transaction(async (tx) => {
      const { account } = await consumeLinkToken(deps, tx, token, 'reset');
      const now = deps.clock.now();
      await deps.accounts.setPasswordHash(tx, account.id, passwordHash, now);
      await clearLoginFailures(deps, tx, account.id);
      await deps.sessions.revokeAccountSessions(tx, account.id, now);
      await deps.tokens.voidForAccount(tx, account.id, 'reset', now);
      await deps.outbox.enqueue(tx, { template: 'password_changed', to: account.email as string, data: greetingData(account), language: account.locale });
      await deps.audit.record(tx, { type: 'reset_completed', outcome: 'success', accountId: account.id, ctx, detail: { mode: 'link' } });
      return { ...account, passwordHash, updatedAt: now };
    });
  } catch (err) {
    if (isAuthError(err, 'INVALID_TOKEN')) {
      await deps.audit.note({ type: 'reset_completed', outcome: 'failure', ctx, detail: { reason: 'invalid_link' } });
      await countTokenFailure(deps, ctx);
    }
    throw err;
  }
}
