/**
 * Registration under a `user@domain` username (README, "The HTTP Basic API"): the username must have that shape.
 * Otherwise it is an ordinary registration (register.ts): the domain rule of ACCOUNT_DOMAINS,
 * which every path applies, active at once, password policy applied, a taken username or email
 * is the one USERNAME_TAKEN answer (enumeration of usernames here is an accepted, documented
 * risk: docs/security.md).
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import type { Account } from './ports.js';
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

/** Registers an active `user@domain` account (the allowed domains are checked by registerAccount). */
export async function registerDomainAccount(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'serverKey' | 'audit'>, input: RegistrationInput, ctx?: ClientContext): Promise<Account> {
  domainOfUsername(input.username);
  return registerAccount(deps, input, ctx);
}
