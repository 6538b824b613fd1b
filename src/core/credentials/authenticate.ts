/**
 * Password login, shared by every surface. Every failure (unknown account, no password yet,
 * wrong password, pending or disabled account) throws the same INVALID_CREDENTIALS after the
 * same hash work: an account without a hash is checked against a dummy hash, so response time
 * does not reveal which accounts exist. A hash made with old parameters is upgraded on success.
 */
import { loginKey } from '../accounts/identifiers.js';
import type { ClientContext, CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import type { Account } from '../ports.js';
import { isPasswordWithinBounds, normalizePassword } from './password-policy.js';
import { assertNotThrottled, recordLoginFailure, recordLoginSuccess } from './throttle.js';

const dummyHashes = new WeakMap<object, Promise<string>>();

/** A hash of a random password with the current parameters, made once per hasher. */
function dummyHashFor(deps: CoreDeps): Promise<string> {
  let pending = dummyHashes.get(deps.hasher);
  if (!pending) {
    pending = deps.hasher.hash(`dummy-${Math.random()}-${deps.clock.now()}`);
    dummyHashes.set(deps.hasher, pending);
  }
  return pending;
}

/** Starts computing the dummy hash so the first unknown-user login costs no extra time. */
export function prepareDummyHash(deps: CoreDeps): Promise<string> {
  return dummyHashFor(deps);
}

function invalid(): AuthError {
  return new AuthError('INVALID_CREDENTIALS', 'invalid username or password');
}

/** The active account these credentials belong to; throws INVALID_CREDENTIALS otherwise. */
export async function authenticatePassword(
  deps: CoreDeps,
  identifier: string,
  password: string,
  ctx: ClientContext = { ip: null, userAgent: null },
): Promise<Account> {
  const key = loginKey(identifier);
  await assertNotThrottled(deps, key, ctx.ip);
  if (!isPasswordWithinBounds(password)) {
    await recordLoginFailure(deps, key, ctx.ip);
    throw invalid();
  }
  const normalized = normalizePassword(password);
  const account = key === null ? null : await deps.accounts.findByLoginKey(deps.uow.db, key);
  const hash = account?.passwordHash ?? (await dummyHashFor(deps));
  const matches = await deps.hasher.verify(hash, normalized);
  if (!account || !account.passwordHash || !matches || account.status !== 'active') {
    await recordLoginFailure(deps, key, ctx.ip);
    throw invalid();
  }
  await recordLoginSuccess(deps, key);
  if (deps.hasher.needsRehash(account.passwordHash)) {
    const upgraded = await deps.hasher.hash(normalized);
    await deps.accounts.replacePasswordHash(deps.uow.db, account.id, account.passwordHash, upgraded, deps.clock.now());
    return { ...account, passwordHash: upgraded };
  }
  return account;
}
