/**
 * Sign-up with only an email address. A new address gets a pending account (no username, no
 * password) and a confirmation link; an address that already has an account gets a notice
 * ("someone tried to sign up with your address") instead, and so does an address that is another
 * account's username (one namespace of login identifiers). Both resolve identically, so the
 * response does not reveal which addresses have accounts (docs/security.md#sec-9). A promo code,
 * when given, is redeemed in the same transaction in both cases, so a bad code is refused
 * the same way for either.
 */
import { foldCase, normalizeEmail, type NormalizedIdentifier } from '../accounts/identifiers.js';
import { LINK_MAIL_STATEMENTS, MAIL_BUDGET_STATEMENTS, padStatements } from './even-work.js';
import { takeMailBudget } from './mail-budget.js';
import { takeAddressAllowance } from '../credentials/address-limits.js';
import { newId } from '../credentials/secrets.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import { UniqueViolation, type Tx } from '../ports.js';
import { normalizePromoCode } from '../promo/promo-codes.js';
import type { SignUpInput } from './ports.js';
import { issueLinkToken, linkData, type LinkOptions } from './link-tokens.js';
import { localeForSignUp } from '../accounts/locale.js';

async function redeemPromo(deps: Pick<CoreDeps, 'clock' | 'promos'>, tx: Tx, promo: string | null): Promise<void> {
  if (promo === null) return;
  if (!(await deps.promos.redeem(tx, promo, deps.clock.now()))) {
    throw new AuthError('INVALID_INPUT', 'this promo code is unknown, expired or used up', { field: 'promo' });
  }
}

// A new address costs an account insert and its email's claim in the identifier namespace, the
// audit row and a mailed link; a known one the audit row, its mail budget, the notice or not,
// and padding up to the same count (even-work.ts).
const NEW_ADDRESS_STATEMENTS = 3 + LINK_MAIL_STATEMENTS;

// `existing` holds the address as its email or (one namespace of login identifiers) as its
// username: either way the mailbox of the address typed gets the notice, never another one.
async function notifyExisting(deps: Pick<CoreDeps, 'clock' | 'tokens' | 'throttle' | 'outbox' | 'serverKey' | 'audit'>, tx: Tx, existing: Account, email: NormalizedIdentifier, locale: string | null, ctx?: ClientContext): Promise<void> {
  const ownEmail = existing.email !== null && foldCase(existing.email) === email.key;
  await deps.audit.record(tx, { type: 'register', outcome: 'failure', accountId: existing.id, ctx, detail: { reason: ownEmail ? 'email_exists' : 'identifier_taken' } });
  const allowed = await takeMailBudget(deps, tx, email.key);
  // The owner reads it in their stored language; an address that is only a username, in the request's.
  const language = (ownEmail ? existing.locale : null) ?? locale;
  if (allowed) await deps.outbox.enqueue(tx, { template: 'signup_attempt', to: ownEmail ? (existing.email as string) : email.display, data: {}, language });
  await padStatements(deps, tx, NEW_ADDRESS_STATEMENTS - 1 - MAIL_BUDGET_STATEMENTS - (allowed ? 1 : 0));
}

/** Creates a pending account and queues its confirmation link, or notifies the owner of an existing address. */
export async function signUpWithEmail(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'policy' | 'tokens' | 'promos' | 'throttle' | 'outbox' | 'serverKey' | 'audit'>, input: SignUpInput, ctx?: ClientContext): Promise<void> {
  const email = normalizeEmail(input.email);
  const promo = input.promo === undefined || input.promo === '' ? null : normalizePromoCode(input.promo);
  const locale = localeForSignUp(deps, input.locale, ctx);
  await takeAddressAllowance(deps, 'registration', ctx);
  try {
    await deps.uow.transaction(async (tx) => {
      await redeemPromo(deps, tx, promo);
      const existing = await deps.accounts.findByEmailKey(tx, email.key);
      if (existing) return notifyExisting(deps, tx, existing, email, locale, ctx);
      await createPending(deps, tx, email, { promo, locale, returnTo: input.returnTo }, ctx);
    });
  } catch (err) {
    if (!(err instanceof UniqueViolation)) throw err;
    // The address is another account's username, or a concurrent sign-up of it won the insert:
    // either way it is "existing" after all.
    await deps.uow.transaction(async (tx) => {
      await redeemPromo(deps, tx, promo);
      const existing = await deps.accounts.findByLoginKey(tx, email.key);
      if (existing) await notifyExisting(deps, tx, existing, email, locale, ctx);
    });
  }
}

async function createPending(
  deps: Pick<CoreDeps, 'accounts' | 'clock' | 'policy' | 'tokens' | 'outbox' | 'audit'>,
  tx: Tx,
  email: NormalizedIdentifier,
  options: { promo: string | null; locale: string | null; returnTo: string | undefined },
  ctx?: ClientContext,
): Promise<void> {
  const now = deps.clock.now();
  const account: Account = {
    id: newId(),
    username: null,
    email: email.display,
    emailVerifiedAt: null,
    passwordHash: null,
    status: 'pending',
    promoCode: options.promo,
    createdAt: now,
    updatedAt: now,
    locale: options.locale,
  };
  await deps.accounts.insert(tx, { ...account, usernameKey: null, emailKey: email.key });
  await deps.audit.record(tx, { type: 'register', outcome: 'success', accountId: account.id, ctx, detail: { status: 'pending' } });
  const token = await issueLinkToken(deps, tx, account, email.display, 'confirm');
  await deps.outbox.enqueue(tx, { template: 'confirm_account', to: email.display, data: linkData(token, options.returnTo), language: account.locale });
}

/** Queues a fresh confirmation link (older ones die) for a pending account; does nothing for any other address. */
export async function resendConfirmation(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'policy' | 'tokens' | 'throttle' | 'outbox' | 'serverKey'>, emailInput: string, ctx?: ClientContext, options: LinkOptions = {}): Promise<void> {
  const email = normalizeEmail(emailInput);
  await takeAddressAllowance(deps, 'mail_request', ctx);
  await deps.uow.transaction(async (tx) => {
    const account = await deps.accounts.findByEmailKey(tx, email.key);
    // Quiet branches make as many statements as a sent link (even-work.ts).
    if (!account || account.status !== 'pending' || account.email === null) return padStatements(deps, tx, MAIL_BUDGET_STATEMENTS + LINK_MAIL_STATEMENTS);
    if (!(await takeMailBudget(deps, tx, email.key))) return padStatements(deps, tx, LINK_MAIL_STATEMENTS);
    const token = await issueLinkToken(deps, tx, account, account.email, 'confirm');
    await deps.outbox.enqueue(tx, { template: 'confirm_account', to: account.email, data: linkData(token, options.returnTo), language: account.locale });
  });
}
