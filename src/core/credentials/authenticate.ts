/**
 * Password login, shared by every surface. Every failure (unknown account, no password yet,
 * wrong password, pending or disabled account) throws the same INVALID_CREDENTIALS after the
 * same hash work: an account without a hash is checked against a dummy hash, so response time
 * does not reveal which accounts exist. A hash made with old parameters is upgraded on success.
 * Every attempt goes to the audit log with the reason (for operators only) and a keyed hash of
 * the identifier; never the password.
 */
import { loginKey } from '../accounts/identifiers.js';
import { hasSecondFactor } from '../mfa/codes.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError, isAuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import { isPasswordWithinBounds, normalizePassword } from './password-policy.js';
import { assertNotThrottled, assertSubjectNotThrottled, loginSubject, recordLoginFailure, recordLoginSuccess } from './throttle.js';

const dummyHashes = new WeakMap<object, Promise<string>>();

/** A hash of a random password with the current parameters, made once per hasher. */
function dummyHashFor(deps: Pick<CoreDeps, 'hasher' | 'clock'>): Promise<string> {
  let pending = dummyHashes.get(deps.hasher);
  if (!pending) {
    pending = deps.hasher.hash(`dummy-${Math.random()}-${deps.clock.now()}`);
    dummyHashes.set(deps.hasher, pending);
  }
  return pending;
}

/** Starts computing the dummy hash so the first unknown-user login costs no extra time. */
export function prepareDummyHash(deps: Pick<CoreDeps, 'hasher' | 'clock'>): Promise<string> {
  return dummyHashFor(deps);
}

function invalid(): AuthError {
  return new AuthError('INVALID_CREDENTIALS', 'invalid username or password');
}

const NO_CONTEXT: ClientContext = { ip: null, userAgent: null };

/** Why a login failed, as the audit log records it (never told to the client). */
type LoginFailure = 'malformed' | 'unknown_account' | 'no_password' | 'wrong_password' | 'inactive';

/** Counts a failure, records it (and any lockout it caused) in the audit log, and throws INVALID_CREDENTIALS. */
async function failLogin(
  deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'throttle' | 'audit'>,
  subject: string | null,
  identifier: string,
  account: Account | null,
  reason: LoginFailure,
  ctx: ClientContext,
): Promise<never> {
  const blocks = await recordLoginFailure(deps, subject, ctx.ip);
  const accountId = account?.id ?? null;
  await deps.audit.note({ type: 'login', outcome: 'failure', accountId, identifier, ctx, detail: { reason } });
  for (const block of blocks) {
    await deps.audit.note({ type: 'lockout', outcome: 'failure', accountId, identifier, ctx, detail: { scope: block.scope, seconds: block.seconds } });
  }
  throw invalid();
}

/** A password step that passed: the account, and whether it has a second factor on (read once per login). */
export interface VerifiedLogin {
  account: Account;
  secondFactor: boolean;
}

/**
 * Checks a password login: the active account these credentials belong to, or
 * INVALID_CREDENTIALS (THROTTLED while blocked). Failures and refusals are recorded in the audit
 * log here; the caller records the success, with the session it opens.
 */
export async function verifyLogin(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'serverKey' | 'audit' | 'secondFactor'>, identifier: string, password: string, ctx: ClientContext = NO_CONTEXT): Promise<VerifiedLogin> {
  const key = loginKey(identifier);
  let account: Account | null = null;
  let secondFactorOn: boolean | undefined;
  let subject: string | null = null;
  let counted = true;
  try {
    // The address's block first, before any lookup: a blocked address costs one throttle read.
    await assertNotThrottled(deps, null, ctx.ip);
    // Then the account, so its failures count together whichever of its identifiers was typed.
    // Whether it has a second factor on comes in the same statement, as of this moment.
    const found = key === null ? null : await deps.accounts.findForLogin(deps.uow.db, key);
    account = found?.account ?? null;
    secondFactorOn = found?.secondFactorOn;
    subject = loginSubject(deps, account, identifier);
    counted = await assertSubjectNotThrottled(deps, subject);
  } catch (err) {
    if (isAuthError(err, 'THROTTLED')) {
      await deps.audit.note({ type: 'rate_limited', outcome: 'rejected', accountId: account?.id ?? null, identifier, ctx, detail: { limit: 'login', retryAfter: err.retryAfter ?? null } });
      err.markAudited();
    }
    throw err;
  }
  if (!isPasswordWithinBounds(password)) return failLogin(deps, subject, identifier, account, 'malformed', ctx);
  const normalized = normalizePassword(password);
  const hash = account?.passwordHash ?? (await dummyHashFor(deps));
  // Not made if the client has gone by the time the hash queue reaches it (BUSY, to no one).
  const matches = await deps.hasher.verify(hash, normalized, ctx.gone);
  if (!account || !account.passwordHash || !matches || account.status !== 'active') {
    const reason: LoginFailure = !account ? 'unknown_account' : !account.passwordHash ? 'no_password' : !matches ? 'wrong_password' : 'inactive';
    return failLogin(deps, subject, identifier, account, reason, ctx);
  }
  // An account with a second factor forgets its failures only when the second step succeeds
  // (src/core/mfa/second-step.ts): a known password must not reset the count of guessed codes.
  const secondFactor = secondFactorOn ?? (await hasSecondFactor(deps, account.id));
  if (!secondFactor) await recordLoginSuccess(deps, subject, counted);
  if (deps.hasher.needsRehash(account.passwordHash)) {
    const upgraded = await deps.hasher.hash(normalized);
    await deps.accounts.replacePasswordHash(deps.uow.db, account.id, account.passwordHash, upgraded, deps.clock.now());
    return { account: { ...account, passwordHash: upgraded }, secondFactor };
  }
  return { account, secondFactor };
}

/**
 * The active account these credentials belong to; throws INVALID_CREDENTIALS otherwise (also for
 * an account with a second factor: a password alone is not enough for it). A login that opens no
 * session (HTTP Basic: every request is one): the success is recorded here.
 */
export async function authenticatePassword(
  deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'serverKey' | 'audit' | 'secondFactor'>,
  identifier: string,
  password: string,
  ctx: ClientContext = NO_CONTEXT,
): Promise<Account> {
  const { account, secondFactor } = await verifyLogin(deps, identifier, password, ctx);
  if (secondFactor) {
    // HTTP Basic carries no second factor: such an account uses app passwords there (README).
    await deps.audit.note({ type: 'login', outcome: 'rejected', accountId: account.id, ctx, detail: { reason: 'second_factor_on' } });
    throw new AuthError('MFA_REQUIRED', 'this account has a second factor: HTTP Basic does not accept its password alone');
  }
  await deps.audit.note({ type: 'login', outcome: 'success', accountId: account.id, ctx });
  return account;
}
