/**
 * "Give your current password again" before a sensitive change of a signed-in account (a new
 * password, a new email, deleting the account). A wrong answer is a password guess: it spends
 * the same per-account and per-address budget as a login, and waits while that budget is
 * blocked, so a stolen session cannot be used to guess the password (docs/security.md).
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import type { AuditEventType } from '../audit/ports.js';
import { isPasswordWithinBounds, normalizePassword } from './password-policy.js';
import { accountSubject, assertNotThrottled, recordLoginFailure, recordLoginSuccess } from './throttle.js';

/** Resolves when `password` is the account's current one; INVALID_CREDENTIALS (field `currentPassword`) otherwise, audited as `event`. */
export async function verifyCurrentPassword(
  deps: Pick<CoreDeps, 'uow' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'audit'>,
  account: Account,
  password: string,
  event: AuditEventType,
  ctx?: ClientContext,
): Promise<void> {
  const key = accountSubject(account.id);
  const ip = ctx?.ip ?? null;
  await assertNotThrottled(deps, key, ip);
  const matches =
    account.passwordHash !== null && isPasswordWithinBounds(password) && (await deps.hasher.verify(account.passwordHash, normalizePassword(password)));
  if (!matches) {
    const blocks = await recordLoginFailure(deps, key, ip);
    await deps.audit.note({ type: event, outcome: 'failure', accountId: account.id, ctx, detail: { reason: 'wrong_password' } });
    for (const block of blocks) {
      await deps.audit.note({ type: 'lockout', outcome: 'failure', accountId: account.id, ctx, detail: { scope: block.scope, seconds: block.seconds } });
    }
    throw new AuthError('INVALID_CREDENTIALS', 'the current password is wrong', { field: 'currentPassword' });
  }
  await recordLoginSuccess(deps, key);
}
