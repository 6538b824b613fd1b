/**
 * The language of an account's emails (docs/branding.md#language). Stored on the account
 * (`locale`): set at sign-up from the language the request was made in, changed by the owner;
 * null means DEFAULT_LANGUAGE. The mail layer renders every queued message in it, later, when
 * the outbox sends it.
 */
import type { CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import type { ClientContext } from '../ports.js';

const CODE = /^[a-z]{2,3}$/;

/** `value` when it is a language the service ships (policy.languages; unset: any two- or three-letter code), else null. */
export function knownLocale(deps: Pick<CoreDeps, 'policy'>, value: string | null | undefined): string | null {
  if (typeof value !== 'string' || !CODE.test(value)) return null;
  const languages = deps.policy.languages;
  return languages === undefined || languages.includes(value) ? value : null;
}

/** The locale a new account gets: the one asked for explicitly, else the request's language, else null (DEFAULT_LANGUAGE). */
export function localeForSignUp(deps: Pick<CoreDeps, 'policy'>, explicit: string | null | undefined, ctx?: ClientContext): string | null {
  return knownLocale(deps, explicit) ?? knownLocale(deps, ctx?.language);
}

/** Sets the language of the account's emails; INVALID_INPUT (field `locale`) for a language not shipped. */
export async function setAccountLocale(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'policy' | 'clock'>, accountId: string, locale: string): Promise<void> {
  const known = knownLocale(deps, locale);
  if (known === null) throw new AuthError('INVALID_INPUT', `locale must be one of: ${(deps.policy.languages ?? []).join(', ') || 'a language code'}`, { field: 'locale' });
  await deps.uow.transaction(async (tx) => {
    if (!(await deps.accounts.setLocale(tx, accountId, known, deps.clock.now()))) throw new AuthError('NOT_AUTHENTICATED', 'the account no longer exists');
  });
}
