/**
 * Registration under a `user@domain` username (seed 001): the username must have that shape,
 * and when the operator restricts domains (ACCOUNT_DOMAINS), its domain must be one of them.
 * Otherwise it is an ordinary registration: active at once, password policy applied, a taken
 * name is USERNAME_TAKEN (enumeration here is an accepted, documented risk: SECURITY.md decision 5).
 */
import type { ClientContext, CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import type { Account } from '../ports.js';
import { foldCase, normalizeUsername } from './identifiers.js';
import { registerAccount, type RegistrationInput } from './register.js';

// local@domain: one @, a non-empty local part, a domain of dot-separated labels (letters, digits, hyphens; IDN allowed).
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

/** The domain of a `user@domain` username, or INVALID_INPUT naming `username`. */
export function domainOfUsername(username: string): string {
  const { display } = normalizeUsername(username);
  const at = display.indexOf('@');
  const local = display.slice(0, at);
  const domain = display.slice(at + 1);
  const labels = domain.split('.');
  if (at <= 0 || domain.includes('@') || labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l)) || local.length > 255) {
    throw new AuthError('INVALID_INPUT', 'username must look like user@example.com', { field: 'username' });
  }
  return foldCase(domain);
}

/** Registers an active `user@domain` account, enforcing the allowed domains of the policy. */
export async function registerDomainAccount(deps: CoreDeps, input: RegistrationInput, ctx?: ClientContext): Promise<Account> {
  const domain = domainOfUsername(input.username);
  const allowed = deps.policy.accountDomains;
  if (allowed && allowed.length > 0 && !allowed.some((d) => foldCase(d) === domain)) {
    throw new AuthError('INVALID_INPUT', 'accounts cannot be created under this domain', { field: 'username' });
  }
  return registerAccount(deps, input, ctx);
}
