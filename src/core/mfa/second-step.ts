/**
 * The second step of a login, one flow for every surface (JSON API, cookie API, pages). After
 * the password of an account with a second factor, no session opens: a pending step is stored
 * instead (a random 256-bit token, SHA-256 only at rest, living `challengeTtl` seconds, bound to
 * the surface and the client address of the password step) and its token handed to the client.
 * The step completes once, with a TOTP or recovery code (codes.ts). Wrong codes count in the
 * password throttle of the account and of the address (src/core/credentials/throttle.ts), so a
 * stolen password does not buy free guesses at the code; the account's failures are not
 * forgotten at the password step of such an account, only once the second step succeeds. A step
 * dies after `maxAttempts` wrong codes (MFA_STEP_ATTEMPTS): the password must be given again.
 * On the pages the step may also complete with a passkey (src/core/passkeys/second-step.ts),
 * through the same checks (openStep, failStep).
 */
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import { accountSubject, assertNotThrottled, recordLoginFailure, recordLoginSuccess } from '../credentials/throttle.js';
import { hashSecret, newId, newSecret } from '../credentials/secrets.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import type { VerifiedLogin } from '../credentials/authenticate.js';
import { factorsOn, spendSecondFactorCode, type CodeKind } from './codes.js';
import { MfaRequiredError } from './errors.js';
import type { MfaChallenge, SecondFactorMethod } from './ports.js';

/** The RFC 8176 `amr` value a kind of code adds. */
const AMR_OF: Record<CodeKind, string> = { otp: 'otp', recovery: 'otp' };

/**
 * After a correct password (verifyLogin, which read whether the account has a second factor):
 * resolves when it has none (the login may open its session); otherwise stores a pending step
 * and throws MfaRequiredError with its token.
 */
export async function requireSecondStep(deps: Pick<CoreDeps, 'uow' | 'clock' | 'audit' | 'secondFactor'>, login: VerifiedLogin, ctx: ClientContext): Promise<void> {
  if (!login.secondFactor) return;
  const { account } = login;
  const now = deps.clock.now();
  const ttl = deps.secondFactor.challengeTtl;
  const token = newSecret();
  const challenge: MfaChallenge = {
    id: newId(),
    tokenHash: hashSecret(token),
    accountId: account.id,
    surface: ctx.surface ?? 'unknown',
    ip: ctx.ip,
    amr: ['pwd'],
    attempts: 0,
    createdAt: now,
    expiresAt: now + ttl * 1000,
    usedAt: null,
  };
  const on = await factorsOn(deps, deps.uow.db, account.id);
  const methods: SecondFactorMethod[] = [...(on.totp ? ['totp' as const] : []), ...(on.passkeys > 0 ? ['passkey' as const] : []), 'recovery_code'];
  await deps.uow.transaction(async (tx) => {
    await deps.secondFactor.store.insertChallenge(tx, challenge);
    await deps.audit.record(tx, { type: 'mfa_step', outcome: 'success', accountId: account.id, ctx, detail: { step: 'password' } });
  });
  throw new MfaRequiredError(token, methods, ttl);
}

function invalidStep(): AuthError {
  return new AuthError('INVALID_TOKEN', 'the login step is unknown, expired or used: log in again');
}

function wrongCode(): AuthError {
  return new AuthError('INVALID_CREDENTIALS', 'the code is not valid');
}

/** The result of a completed second step: the account and the factors proved (for the session's `amr`). */
export interface CompletedLogin {
  account: Account;
  amr: string[];
}

/** A pending step being completed: its record and its account. */
export interface OpenStep {
  challenge: MfaChallenge;
  account: Account;
}

/**
 * The live pending step of `mfaToken` for this surface and address, its account active and not
 * throttled: INVALID_TOKEN (unknown, expired, used, another surface or address), THROTTLED.
 */
export async function openStep(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'throttle' | 'secondFactor'>, mfaToken: string, ctx: ClientContext): Promise<OpenStep> {
  const store = deps.secondFactor.store;
  const challenge = mfaToken.length > 0 && mfaToken.length <= 256 ? await store.findChallenge(deps.uow.db, hashSecret(mfaToken), deps.clock.now()) : null;
  if (!challenge || challenge.surface !== (ctx.surface ?? 'unknown') || challenge.ip !== ctx.ip) throw invalidStep();
  await assertNotThrottled(deps, accountSubject(challenge.accountId), ctx.ip);
  const account = await deps.accounts.findById(deps.uow.db, challenge.accountId);
  if (!account || account.status !== 'active') throw invalidStep();
  return { challenge, account };
}

/** Counts a failed attempt at a step (killing it after `maxAttempts`) in the throttle and the audit log, then throws INVALID_CREDENTIALS. */
export async function failStep(deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'throttle' | 'audit' | 'secondFactor'>, step: OpenStep, reason: string, ctx: ClientContext): Promise<never> {
  const store = deps.secondFactor.store;
  const { challenge, account } = step;
  const attempts = await store.countChallengeFailure(deps.uow.db, challenge.id);
  if (attempts >= deps.secondFactor.maxAttempts) await store.useChallenge(deps.uow.db, challenge.id, deps.clock.now());
  const blocks = await recordLoginFailure(deps, accountSubject(account.id), ctx.ip);
  await deps.audit.note({ type: 'mfa_step', outcome: 'failure', accountId: account.id, ctx, detail: { reason, attempts } });
  for (const block of blocks) {
    await deps.audit.note({ type: 'lockout', outcome: 'failure', accountId: account.id, ctx, detail: { scope: block.scope, seconds: block.seconds } });
  }
  throw wrongCode();
}

/**
 * Completes a pending step with a code: the account and its `amr`, or INVALID_TOKEN (unknown,
 * expired, used, or another surface or address), INVALID_CREDENTIALS (a wrong code; counted),
 * THROTTLED. The caller opens the session.
 */
export async function completeSecondStep(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'audit' | 'secondFactor'>, mfaToken: string, code: string, ctx: ClientContext): Promise<CompletedLogin> {
  const store = deps.secondFactor.store;
  const step = await openStep(deps, mfaToken, ctx);
  const { challenge, account } = step;
  const kind = code.length <= 64 ? await deps.uow.transaction(async (tx) => {
    const matched = await spendSecondFactorCode(deps, tx, account, code, ctx);
    if (matched && !(await store.useChallenge(tx, challenge.id, deps.clock.now()))) throw invalidStep();
    return matched;
  }) : null;
  if (!kind) return failStep(deps, step, 'wrong_code', ctx);
  await recordLoginSuccess(deps, accountSubject(account.id));
  return { account, amr: [...challenge.amr, AMR_OF[kind]] };
}
