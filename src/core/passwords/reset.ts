/**
 * Password reset by email. Stored: a reset link token (SHA-256 only, 30 min by default, single
 * use, voided by a newer link or any password change). In 'link' mode a request changes
 * nothing but queueing the link; completing it sets the password, revokes every session and
 * refresh chain of the account and sends a notice. In 'new_password' mode (seed 001
 * compatibility) the request itself sets a generated password, revokes every session and
 * emails the password.
 *
 * Who gets what: an active account with an email gets the reset; a pending account (signed up,
 * never confirmed) gets a fresh confirmation link instead, since setting its first password is
 * what confirming does; an unknown identifier, a disabled account or one without an email gets
 * nothing. Every case resolves identically and does comparable database (and, in
 * 'new_password' mode, hashing) work, so neither the answer nor its timing reveals whether an
 * account exists (SECURITY.md items 9 and 16).
 */
import { foldCase, loginKey } from '../accounts/identifiers.js';
import { takeMailBudget } from '../email-flows/mail-budget.js';
import { newId } from '../credentials/secrets.js';
import type { CoreDeps } from '../deps.js';
import type { Account, Tx } from '../ports.js';
import { consumeLinkToken, hashPasswordForLink, issueLinkToken, peekLinkToken } from '../email-flows/link-tokens.js';
import { generatePassword } from './generate.js';

function greetingData(account: Account): Record<string, string> {
  return account.username ? { username: account.username } : {};
}

/** Starts a reset for a username or email; see the module comment for what each case gets. */
export async function requestPasswordReset(deps: CoreDeps, identifier: string): Promise<void> {
  const key = loginKey(identifier);
  const found = key === null ? null : await deps.accounts.findByLoginKey(deps.uow.db, key);
  const account = found && found.email !== null && found.status !== 'disabled' ? found : null;
  if (deps.policy.resetMode === 'new_password' && account?.status !== 'pending') {
    return resetToNewPassword(deps, account);
  }
  await deps.uow.transaction(async (tx) => {
    if (!account) {
      // Same statement shape as a real request, matching nothing.
      await deps.tokens.voidForAccount(tx, newId(), 'reset', deps.clock.now());
      return;
    }
    if (!(await takeMailBudget(deps, tx, foldCase(account.email as string)))) return;
    await sendLink(deps, tx, account);
  });
}

async function sendLink(deps: CoreDeps, tx: Tx, account: Account): Promise<void> {
  const email = account.email as string;
  if (account.status === 'pending') {
    const token = await issueLinkToken(deps, tx, account, email, 'confirm');
    await deps.outbox.enqueue(tx, { template: 'confirm_account', to: email, data: { token } });
    return;
  }
  const token = await issueLinkToken(deps, tx, account, email, 'reset');
  await deps.outbox.enqueue(tx, { template: 'reset_password', to: email, data: { token, ...greetingData(account) } });
}

async function resetToNewPassword(deps: CoreDeps, account: Account | null): Promise<void> {
  const password = generatePassword();
  const passwordHash = await deps.hasher.hash(password);
  await deps.uow.transaction(async (tx) => {
    const now = deps.clock.now();
    if (!account) {
      await deps.sessions.revokeAccountSessions(tx, newId(), now);
      return;
    }
    // Over the address's mail budget: change nothing (the new password could not be sent).
    if (!(await takeMailBudget(deps, tx, foldCase(account.email as string)))) return;
    await deps.accounts.setPasswordHash(tx, account.id, passwordHash, now);
    await deps.sessions.revokeAccountSessions(tx, account.id, now);
    await deps.tokens.voidForAccount(tx, account.id, 'reset', now);
    await deps.outbox.enqueue(tx, { template: 'new_password', to: account.email as string, data: { password, ...greetingData(account) } });
  });
}

/** The address a usable reset link was sent to, or INVALID_TOKEN; the link stays usable. */
export function checkResetToken(deps: CoreDeps, token: string): Promise<{ email: string }> {
  return peekLinkToken(deps, token, 'reset').then(({ email }) => ({ email }));
}

/** Consumes a reset link: sets the password, revokes every session and reset link, queues a notice. */
export async function completePasswordReset(deps: CoreDeps, token: string, newPassword: string): Promise<Account> {
  const passwordHash = await hashPasswordForLink(deps, token, 'reset', newPassword);
  return deps.uow.transaction(async (tx) => {
    const { account } = await consumeLinkToken(deps, tx, token, 'reset');
    const now = deps.clock.now();
    await deps.accounts.setPasswordHash(tx, account.id, passwordHash, now);
    await deps.sessions.revokeAccountSessions(tx, account.id, now);
    await deps.tokens.voidForAccount(tx, account.id, 'reset', now);
    await deps.outbox.enqueue(tx, { template: 'password_changed', to: account.email as string, data: greetingData(account) });
    return { ...account, passwordHash, updatedAt: now };
  });
}
