/**
 * Rules every path that creates an account or changes its username or email applies, in one
 * place (docs/decisions.md, "One namespace of login identifiers"):
 *
 * - usernames and emails are one namespace of login identifiers, enforced by the store (a
 *   unique key over both, written in the account's transaction); this module turns the store's
 *   UniqueViolation into the answers below;
 * - self-registration answers one indistinguishable "taken" for a taken username and a taken
 *   email, and notifies the owner of a taken email (docs/security.md);
 * - `ACCOUNT_DOMAINS` restricts the domain of every username that has one (`user@domain`).
 */
import { takeMailBudget } from '../email-flows/mail-budget.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import { UniqueViolation } from '../ports.js';
import { foldCase, type NormalizedIdentifier } from './identifiers.js';

/** The one answer of self-registration for a username or an email that is already in use. */
export const TAKEN_MESSAGE = 'this username or email address is already in use';

/** The answer of self-registration when any identifier is taken: one code, one message, no field. */
export function takenAnswer(): AuthError {
  return new AuthError('USERNAME_TAKEN', TAKEN_MESSAGE);
}

/** The operator's answer: which identifier is taken (operators may know; the API is authenticated). */
export function operatorTakenAnswer(err: UniqueViolation): AuthError {
  if (err.column === 'email') {
    return new AuthError('EMAIL_TAKEN', "this email is already another account's email or username", { field: 'email' });
  }
  return new AuthError('USERNAME_TAKEN', "this username is already another account's username or email", { field: 'username' });
}

/**
 * INVALID_INPUT (field `username`) when the operator restricts domains (ACCOUNT_DOMAINS) and
 * the username has a domain (text after its last `@`) that is not one of them. Usernames
 * without `@` are not affected.
 */
export function checkUsernameDomain(deps: Pick<CoreDeps, 'policy'>, username: NormalizedIdentifier): void {
  const allowed = deps.policy.accountDomains;
  if (!allowed || allowed.length === 0) return;
  const at = username.display.lastIndexOf('@');
  if (at < 0) return;
  const domain = foldCase(username.display.slice(at + 1));
  if (!allowed.some((d) => foldCase(d) === domain)) {
    throw new AuthError('INVALID_INPUT', 'accounts cannot be created under this domain', { field: 'username' });
  }
}

/**
 * After a registration refused as taken: when the email given is someone's login identifier,
 * its mailbox gets the "someone tried to sign up with your address" notice (within the
 * address's mail budget), and the attempt is audited. Sent to the stored email when an account
 * has this email, else to the address as typed (it is another account's username).
 */
export async function notifyTakenEmail(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'throttle' | 'outbox' | 'serverKey' | 'audit'>, email: NormalizedIdentifier | null, ctx?: ClientContext, language?: string | null): Promise<void> {
  if (email === null) return;
  await deps.uow.transaction(async (tx) => {
    const owner = await deps.accounts.findByLoginKey(tx, email.key);
    if (!owner) return;
    await deps.audit.record(tx, { type: 'register', outcome: 'failure', accountId: owner.id, ctx, detail: { reason: 'identifier_taken' } });
    if (!(await takeMailBudget(deps, tx, email.key))) return;
    const own = owner.email !== null && foldCase(owner.email) === email.key;
    // The owner reads it in their language; an address that is only a username has no stored one.
    await deps.outbox.enqueue(tx, { template: 'signup_attempt', to: own ? (owner.email as string) : email.display, data: {}, language: (own ? owner.locale : null) ?? language ?? null });
  });
}

/** True for the store's answer to a taken identifier. */
export function isTaken(err: unknown): err is UniqueViolation {
  return err instanceof UniqueViolation;
}
