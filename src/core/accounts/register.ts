/** Registration with a username and a password: the account is active at once. */
import { takeAddressAllowance } from '../credentials/address-limits.js';
import { checkNewPassword } from '../credentials/password-policy.js';
import { newId } from '../credentials/secrets.js';
import type { ClientContext, CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import { UniqueViolation, type Account } from '../ports.js';
import { normalizeEmail, normalizeUsername } from './identifiers.js';

export interface RegistrationInput {
  username: string;
  password: string;
  email?: string | undefined;
}

/**
 * Creates an active account. Uniqueness is left to the database constraint, so racing
 * registrations of one name yield exactly one account and USERNAME_TAKEN for the rest.
 * Valid requests count toward `ctx`'s address limit before any hashing.
 */
export async function registerAccount(deps: CoreDeps, input: RegistrationInput, ctx?: ClientContext): Promise<Account> {
  const username = normalizeUsername(input.username);
  const email = input.email === undefined ? null : normalizeEmail(input.email);
  const password = checkNewPassword(input.password, deps.policy.passwordRules, { username: input.username, email: input.email });
  await takeAddressAllowance(deps, 'registration', ctx);
  const passwordHash = await deps.hasher.hash(password);
  const now = deps.clock.now();
  const account = {
    id: newId(),
    username: username.display,
    usernameKey: username.key,
    email: email?.display ?? null,
    emailKey: email?.key ?? null,
    passwordHash,
    status: 'active' as const,
    createdAt: now,
  };
  try {
    await deps.uow.transaction(async (tx) => {
      await deps.accounts.insert(tx, account);
      await deps.audit.record(tx, { type: 'register', outcome: 'success', accountId: account.id, ctx, detail: { status: 'active' } });
    });
  } catch (err) {
    if (err instanceof UniqueViolation && err.column === 'email') {
      throw new AuthError('EMAIL_TAKEN', 'an account with this email already exists', { field: 'email' });
    }
    if (err instanceof UniqueViolation) {
      throw new AuthError('USERNAME_TAKEN', 'this username is taken', { field: 'username' });
    }
    throw err;
  }
  return { ...account, emailVerifiedAt: null, promoCode: null, updatedAt: now };
}
