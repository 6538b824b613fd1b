/**
 * Signing in with a passkey (docs/security.md, "Passkeys"): as the only factor on /login (a
 * discoverable credential with user verification: the device and its PIN or biometric are two
 * factors, so no password is asked and no second step follows; the session's `amr` is `hwk`),
 * or as the second step after a password (`pwd hwk`). Failures count in the same throttle as
 * passwords: of the address, and of the account once the credential names one.
 */
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import { accountSubject, assertNotThrottled, recordLoginFailure, recordLoginSuccess } from '../credentials/throttle.js';
import { AuthError } from '../errors.js';
import { takeAddressAllowance } from '../credentials/address-limits.js';
import type { Account } from '../accounts/ports.js';
import { failStep, openStep, type CompletedLogin } from '../mfa/second-step.js';
import { activeAccount } from '../mfa/owner-proof.js';
import { assertionOptions, verifyAssertion } from './assertion.js';

/**
 * Options for a passwordless sign-in (any discoverable credential of this site). Anyone may ask,
 * and each answer stores a challenge: the address's login block applies, and it may start
 * PASSKEY_SIGN_INS_PER_HOUR an hour (THROTTLED beyond).
 */
export async function startPasskeySignIn(deps: CoreDeps, ctx: ClientContext): Promise<Record<string, unknown>> {
  await assertNotThrottled(deps, null, ctx.ip);
  await takeAddressAllowance(deps, 'passkey_sign_in', ctx);
  return assertionOptions(deps, [], 'sign_in', null);
}

/**
 * Finishes a passwordless sign-in: the account, or INVALID_INPUT (not a response), INVALID_TOKEN
 * (no live sign-in challenge), INVALID_CREDENTIALS (unknown credential, a signature that does not
 * verify, an inactive account; counted), THROTTLED. The caller opens the session (`amr` hwk).
 */
export async function finishPasskeySignIn(deps: CoreDeps, response: unknown, ctx: ClientContext): Promise<Account> {
  await assertNotThrottled(deps, null, ctx.ip);
  const passkey = await verifyAssertion(deps, response, 'sign_in', null);
  const account = passkey === null ? null : await deps.accounts.findById(deps.uow.db, passkey.accountId);
  if (account === null || account.status !== 'active') {
    await recordLoginFailure(deps, passkey === null ? null : accountSubject(passkey.accountId), ctx.ip);
    await deps.audit.note({ type: 'login', outcome: 'failure', accountId: passkey?.accountId ?? null, ctx, detail: { reason: passkey === null ? 'passkey_not_verified' : 'inactive', factor: 'passkey' } });
    throw new AuthError('INVALID_CREDENTIALS', 'the passkey was not accepted');
  }
  await assertNotThrottled(deps, accountSubject(account.id), null);
  await recordLoginSuccess(deps, accountSubject(account.id));
  return account;
}

/** Options for completing a pending second step with one of the account's passkeys; INVALID_TOKEN for a dead step, INVALID_INPUT without passkeys. */
export async function startPasskeySecondStep(deps: CoreDeps, mfaToken: string, ctx: ClientContext): Promise<Record<string, unknown>> {
  const { account } = await openStep(deps, mfaToken, ctx);
  const passkeys = await deps.secondFactor.passkeys.store.list(deps.uow.db, account.id);
  if (passkeys.length === 0) throw new AuthError('INVALID_INPUT', 'this account has no passkey: use a code');
  return assertionOptions(deps, passkeys, 'second_step', account.id);
}

/** Completes a pending second step with a passkey: the account and `amr` (…, hwk); the step's refusals as for a code. */
export async function completeSecondStepWithPasskey(deps: CoreDeps, mfaToken: string, response: unknown, ctx: ClientContext): Promise<CompletedLogin> {
  const step = await openStep(deps, mfaToken, ctx);
  const passkey = await verifyAssertion(deps, response, 'second_step', step.account.id);
  if (passkey === null) return failStep(deps, step, 'passkey_not_verified', ctx);
  if (!(await deps.secondFactor.store.useChallenge(deps.uow.db, step.challenge.id, deps.clock.now()))) {
    throw new AuthError('INVALID_TOKEN', 'the login step is unknown, expired or used: log in again');
  }
  await recordLoginSuccess(deps, accountSubject(step.account.id));
  return { account: step.account, amr: [...step.challenge.amr, 'hwk'] };
}

/** Options for the passkey assertion that proves the owner before a change (src/core/mfa/owner-proof.ts). */
export async function startOwnerProof(deps: CoreDeps, accountId: string): Promise<Record<string, unknown>> {
  const account = await activeAccount(deps, accountId);
  const passkeys = await deps.secondFactor.passkeys.store.list(deps.uow.db, account.id);
  if (passkeys.length === 0) throw new AuthError('INVALID_INPUT', 'this account has no passkey: use a code');
  return assertionOptions(deps, passkeys, 'owner_proof', account.id);
}
