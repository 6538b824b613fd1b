/**
 * Changing an account's username (operators: `latchkey user rename`, the admin API). The new
 * name passes the rules of a new one (normalization, ACCOUNT_DOMAINS, one namespace of login
 * identifiers, decided by the store in the same transaction) and the change is audited. It is
 * also how an operator resolves a username the login-identifiers migration left out because it
 * equals another account's email: rename it (or give it back its own name once the other
 * account no longer holds it).
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import { UniqueViolation } from '../ports.js';
import type { Account, IdentifierCollision } from './ports.js';
import { checkUsernameDomain, operatorTakenAnswer } from './identifier-rules.js';
import { normalizeUsername } from './identifiers.js';

/** Sets the username of account `accountId` (null removes it if the account has an email); returns the account after. */
export async function renameAccount(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'policy' | 'audit'>, accountId: string, newUsername: string | null, ctx?: ClientContext): Promise<Account> {
  const username = newUsername === null ? null : normalizeUsername(newUsername);
  if (username !== null) checkUsernameDomain(deps, username);
  try {
    return await deps.uow.transaction(async (tx) => {
      const before = await deps.accounts.findById(tx, accountId);
      if (!before) throw new AuthError('NOT_FOUND', 'no such account');
      if (username === null && before.email === null) {
        throw new AuthError('INVALID_INPUT', 'an account without an email must keep a username', { field: 'username' });
      }
      const now = deps.clock.now();
      await deps.accounts.setUsername(tx, accountId, username, now);
      await deps.audit.record(tx, { type: 'account_rename', outcome: 'success', accountId, ctx });
      return { ...before, username: username?.display ?? null, updatedAt: now };
    });
  } catch (err) {
    if (err instanceof UniqueViolation) throw operatorTakenAnswer(err);
    throw err;
  }
}

/**
 * Identifiers left out of the namespace: usernames the migration found equal to another
 * account's email, and any identifier of an account written by a node of an earlier release
 * (during a rolling upgrade) that another account holds. Such accounts are claimed first.
 */
export async function listIdentifierCollisions(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock'>): Promise<IdentifierCollision[]> {
  for (let batch = 0; batch < 100; batch++) {
    const done = await deps.uow.transaction((tx) => deps.accounts.backfillIdentifiers(tx, deps.clock.now()));
    if (done.accounts < 10_000) break;
  }
  return deps.accounts.listIdentifierCollisions(deps.uow.db);
}
