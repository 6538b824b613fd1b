/** Registration with a username and a password: the account is active at once. */
import { takeAddressAllowance } from '../credentials/address-limits.js';
import { checkNewPassword } from '../credentials/password-policy.js';
import { newId } from '../credentials/secrets.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import type { AuditEvent } from '../audit/ports.js';
import type { Account, NewAccount } from './ports.js';
import { checkUsernameDomain, isTaken, notifyTakenEmail, takenAnswer } from './identifier-rules.js';
import { normalizeEmail, normalizeUsername } from './identifiers.js';
import { localeForSignUp } from './locale.js';

export interface RegistrationInput {
  username: string;
  password: string;
  email?: string | undefined;
  /** The language of the account's emails; unset: the request's (ClientContext.language). */
  locale?: string | undefined;
}

/**
 * Creates an active account. Uniqueness is left to the database (the one namespace of login
 * identifiers), so racing registrations of one name yield exactly one account. A username or
 * email already in use is one answer (USERNAME_TAKEN, "this username or email address is
 * already in use"), and a taken email's owner is notified. Valid requests count toward `ctx`'s
 * address limit before any hashing, whatever their outcome.
 */
export async function registerAccount(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'serverKey' | 'audit'>, input: RegistrationInput, ctx?: ClientContext): Promise<Account> {
  const username = normalizeUsername(input.username);
  const email = input.email === undefined ? null : normalizeEmail(input.email);
  checkUsernameDomain(deps, username);
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
    locale: localeForSignUp(deps, input.locale, ctx),
  };
  const registered: AuditEvent = { type: 'register', outcome: 'success', accountId: account.id, ctx, detail: { status: 'active' } };
  try {
    await insertWithAudit(deps, account, registered);
  } catch (err) {
    if (!isTaken(err)) throw err;
    await notifyTakenEmail(deps, email, ctx, account.locale);
    throw takenAnswer();
  }
  return { ...account, emailVerifiedAt: null, promoCode: null, updatedAt: now };
}

/** The account and its `register` event: on PostgreSQL one statement (AccountStore.insertAudited), otherwise a transaction. */
async function insertWithAudit(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'audit'>, account: NewAccount, registered: AuditEvent): Promise<void> {
  const insert = deps.accounts.insertAudited;
  if (insert && deps.audit.writeWith) {
    const stored = await deps.audit.writeWith(registered, async (row) => {
      await insert(deps.uow.db, account, row);
      return true;
    });
    if (stored) return;
  }
  await deps.uow.transaction(async (tx) => {
    await deps.accounts.insert(tx, account);
    await deps.audit.record(tx, registered);
  });
}
