/**
 * Emailed link tokens (email confirmation, password reset). Stored: only the SHA-256 of a
 * 256-bit random secret, with the account, the purpose, the address it was sent to and an
 * expiry (confirm 24 h, reset 30 min by default). A token is used at most once (an atomic
 * conditional UPDATE), dies when a newer link of the same purpose is issued, and is void when
 * the account's address changed since. Attacks stopped: guessing (256 bits), replay of a used
 * or leaked old link, a database dump yielding usable links (hashes only).
 */
import { foldCase } from '../accounts/identifiers.js';
import { checkNewPassword } from '../credentials/password-policy.js';
import { hashSecret, newId, newSecret } from '../credentials/secrets.js';
import type { CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import type { Tx } from '../ports.js';
import type { OneTimePurpose, OneTimeToken } from './ports.js';

/** What a caller may attach to an emailed link. */
export interface LinkOptions {
  /** An allow-listed `return_to` (checked by the surface that received it); the link carries it to the page. */
  returnTo?: string | undefined;
}

/** The template data of a link email: the token, and the `return_to` the link carries when there is one. */
export function linkData(token: string, returnTo: string | undefined): Record<string, string> {
  return returnTo ? { token, returnTo } : { token };
}

/** Seconds a link of this purpose stays usable. */
function ttlFor(deps: Pick<CoreDeps, 'policy'>, purpose: OneTimePurpose): number {
  return purpose === 'reset' ? deps.policy.resetTokenTtl : deps.policy.confirmTokenTtl;
}

/** Voids the account's older links of `purpose` and stores a new one; returns the secret for the email. */
export async function issueLinkToken(deps: Pick<CoreDeps, 'clock' | 'policy' | 'tokens'>, tx: Tx, account: Account, email: string, purpose: OneTimePurpose): Promise<string> {
  const now = deps.clock.now();
  const secret = newSecret();
  await deps.tokens.voidForAccount(tx, account.id, purpose, now);
  await deps.tokens.insert(tx, {
    id: newId(),
    tokenHash: hashSecret(secret),
    accountId: account.id,
    purpose,
    email,
    createdAt: now,
    expiresAt: now + ttlFor(deps, purpose) * 1000,
    usedAt: null,
  });
  return secret;
}

/** The error for every unusable link: unknown, tampered, expired, used, superseded. */
export function invalidLink(): AuthError {
  return new AuthError('INVALID_TOKEN', 'this link is invalid, expired or already used');
}

/** True when `account` still matches the link: same address, in the state the purpose needs. */
export function linkStillApplies(token: OneTimeToken, account: Account | null): account is Account {
  // An email-change link was sent to the new address; the account must still be active.
  if (token.purpose === 'email_change') return account !== null && account.status === 'active';
  if (!account || account.email === null || foldCase(account.email) !== foldCase(token.email)) return false;
  return token.purpose === 'confirm' ? account.status === 'pending' : account.status === 'active';
}

// A secret is 43 base64url characters; anything else cannot be one, and is refused before any lookup.
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The address and username of a usable link (not consumed), or INVALID_TOKEN. */
export async function peekLinkToken(
  deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'tokens'>,
  secret: string,
  purpose: OneTimePurpose,
): Promise<{ email: string; username: string | null }> {
  if (typeof secret !== 'string' || !SECRET_SHAPE.test(secret)) throw invalidLink();
  const token = await deps.tokens.findUsable(deps.uow.db, hashSecret(secret), purpose, deps.clock.now());
  const account = token ? await deps.accounts.findById(deps.uow.db, token.accountId) : null;
  if (!token || !linkStillApplies(token, account)) throw invalidLink();
  return { email: token.email, username: account.username };
}

/**
 * The hash of the password a link is about to set: the link must still be usable, and the
 * password passes the policy with the account's context. Checked before the link is consumed,
 * so a refused password does not burn it; the hash is computed outside any transaction.
 */
export async function hashPasswordForLink(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'tokens'>, secret: string, purpose: OneTimePurpose, password: string): Promise<string> {
  const { email, username } = await peekLinkToken(deps, secret, purpose);
  return deps.hasher.hash(checkNewPassword(password, deps.policy.passwordRules, { username, email }));
}

/** Consumes the token for `secret` inside `tx` and returns it with its account, or INVALID_TOKEN. */
export async function consumeLinkToken(
  deps: Pick<CoreDeps, 'accounts' | 'clock' | 'tokens'>,
  tx: Tx,
  secret: string,
  purpose: OneTimePurpose,
): Promise<{ token: OneTimeToken; account: Account }> {
  if (typeof secret !== 'string' || !SECRET_SHAPE.test(secret)) throw invalidLink();
  const token = await deps.tokens.consume(tx, hashSecret(secret), purpose, deps.clock.now());
  const account = token ? await deps.accounts.findById(tx, token.accountId) : null;
  if (!token || !linkStillApplies(token, account)) throw invalidLink();
  return { token, account };
}
