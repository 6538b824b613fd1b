/**
 * Turning the second factor on and off, and the recovery codes (docs/security.md, "Second
 * factor"). TOTP enrolment is two steps: the owner (password) starts it and gets the secret (the
 * page shows it as a QR code and as text); it is on only once a first valid code confirmed it.
 * The secret is sealed at rest (SecretSealer). Confirming the first factor hands out ten recovery
 * codes, shown once and stored as SHA-256 only. Every change is audited and mailed to the owner.
 */
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import { accountSubject, assertNotThrottled, recordLoginFailure } from '../credentials/throttle.js';
import { hashSecret, newId } from '../credentials/secrets.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import type { Tx } from '../ports.js';
import { factorsOn, hasSecondFactor, matchTotpStep, randomCode, totpContext } from './codes.js';
import { activeAccount, withOwnerProof, type OwnerProof } from './owner-proof.js';
import { greetingData } from '../outbox/greeting.js';

/** Recovery codes handed out at a time. */
export const RECOVERY_CODE_COUNT = 10;

/** What the owner needs to add the TOTP factor to an app: the secret and its `otpauth://` URI. */
export interface TotpEnrolment {
  secret: string;
  uri: string;
}

/** The account's second factor as its owner sees it. */
export interface SecondFactorStatus {
  totp: boolean;
  /** How many passkeys the account has. */
  passkeys: number;
  recoveryCodesLeft: number;
}

/** Replaces the account's recovery codes in `tx`; resolves to the new codes (never stored). */
export async function issueRecoveryCodes(deps: Pick<CoreDeps, 'clock' | 'secondFactor'>, tx: Tx, accountId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => randomCode(10));
  await deps.secondFactor.store.replaceRecoveryCodes(tx, accountId, codes.map((c) => hashSecret(c.replace(/-/g, ''))), deps.clock.now());
  return codes;
}

/** Queues the "your second factor changed" notice to the owner, in `tx`. */
export async function noticeFactorChange(deps: Pick<CoreDeps, 'outbox'>, tx: Tx, account: Account, change: string): Promise<void> {
  if (!account.email) return;
  const data: Record<string, string> = { change, ...greetingData(account) };
  await deps.outbox.enqueue(tx, { template: 'second_factor_changed', to: account.email, data, language: account.locale });
}

/** The second factor of the account as its owner sees it. */
export async function secondFactorStatus(deps: Pick<CoreDeps, 'uow' | 'secondFactor'>, accountId: string): Promise<SecondFactorStatus> {
  const { totp, passkeys } = await factorsOn(deps, deps.uow.db, accountId);
  const recoveryCodesLeft = totp || passkeys > 0 ? await deps.secondFactor.store.countRecoveryCodes(deps.uow.db, accountId) : 0;
  return { totp, passkeys, recoveryCodesLeft };
}

/** Starts TOTP enrolment (the owner's password required); INVALID_INPUT when TOTP is on already. */
export async function startTotpEnrolment(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'audit' | 'secondFactor'>, accountId: string, proof: OwnerProof, ctx: ClientContext): Promise<TotpEnrolment> {
  const { totp, sealer, issuer } = deps.secondFactor;
  const secret = totp.newSecret();
  const id = newId();
  const account = await withOwnerProof(deps, accountId, proof, ctx, async (tx, owner) => {
    const factor = { id, accountId, secret: sealer.seal(secret, totpContext(id)), createdAt: deps.clock.now(), confirmedAt: null, lastStep: null };
    if (!(await deps.secondFactor.store.putPendingTotp(tx, factor))) throw new AuthError('INVALID_INPUT', 'TOTP is on already: turn it off first', { field: 'totp' });
    return owner;
  });
  const label = account.username ?? account.email ?? account.id;
  return { secret, uri: totp.keyUri(secret, label, issuer) };
}

/**
 * Confirms a pending TOTP enrolment with a first valid code: TOTP is on from now. Resolves to the
 * ten new recovery codes (shown once) when it is the first factor, else to none (the codes the
 * owner holds stay valid). INVALID_INPUT without a pending enrolment; a wrong code is
 * INVALID_CREDENTIALS and counts in the throttle.
 */
export async function confirmTotpEnrolment(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'audit' | 'secondFactor'>, accountId: string, code: string, ctx: ClientContext): Promise<string[]> {
  const account = await activeAccount(deps, accountId);
  await assertNotThrottled(deps, accountSubject(accountId), ctx.ip);
  const store = deps.secondFactor.store;
  const factor = await store.findTotp(deps.uow.db, accountId);
  if (!factor || factor.confirmedAt !== null) throw new AuthError('INVALID_INPUT', 'no TOTP enrolment is waiting for a code: start one first', { field: 'code' });
  const step = matchTotpStep(deps, factor, code.trim());
  const codes = step === null ? null : await deps.uow.transaction(async (tx) => {
    const first = !(await hasSecondFactor(deps, accountId, tx));
    if (!(await store.acceptStep(tx, factor.id, step, deps.clock.now()))) return null;
    const issued = first ? await issueRecoveryCodes(deps, tx, accountId) : [];
    await deps.audit.record(tx, { type: 'mfa_enable', outcome: 'success', accountId, ctx, detail: { factor: 'totp' } });
    await noticeFactorChange(deps, tx, account, 'totp_on');
    return issued;
  });
  if (codes === null) {
    await recordLoginFailure(deps, accountSubject(accountId), ctx.ip);
    await deps.audit.note({ type: 'mfa_enable', outcome: 'failure', accountId, ctx, detail: { factor: 'totp', reason: 'wrong_code' } });
    throw new AuthError('INVALID_CREDENTIALS', 'the code is not valid: check the time on the device and try the next code');
  }
  return codes;
}

/** Turns TOTP off (password and a code required), and the recovery codes with the last factor; NOT_FOUND when it is off. */
export async function disableTotp(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'audit' | 'secondFactor'>, accountId: string, proof: OwnerProof, ctx: ClientContext): Promise<void> {
  await withOwnerProof(deps, accountId, proof, ctx, async (tx, account) => {
    if (!(await deps.secondFactor.store.deleteTotp(tx, accountId))) throw new AuthError('NOT_FOUND', 'TOTP is not on');
    if (!(await hasSecondFactor(deps, accountId, tx))) await deps.secondFactor.store.replaceRecoveryCodes(tx, accountId, [], deps.clock.now());
    await deps.audit.record(tx, { type: 'mfa_disable', outcome: 'success', accountId, ctx, detail: { factor: 'totp' } });
    await noticeFactorChange(deps, tx, account, 'totp_off');
  });
}

/** Replaces the recovery codes (password and a code required); INVALID_INPUT without a second factor. */
export async function regenerateRecoveryCodes(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'audit' | 'secondFactor'>, accountId: string, proof: OwnerProof, ctx: ClientContext): Promise<string[]> {
  return withOwnerProof(deps, accountId, proof, ctx, async (tx, account) => {
    if (!(await hasSecondFactor(deps, accountId, tx))) throw new AuthError('INVALID_INPUT', 'recovery codes come with a second factor: turn one on first', { field: 'code' });
    const codes = await issueRecoveryCodes(deps, tx, accountId);
    await deps.audit.record(tx, { type: 'recovery_codes_regenerate', outcome: 'success', accountId, ctx });
    await noticeFactorChange(deps, tx, account, 'recovery_codes_regenerated');
    return codes;
  });
}

/** An operator's reset for a lost device: every factor and recovery code goes; audited, mailed. NOT_FOUND for no account. */
export async function resetSecondFactor(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'outbox' | 'audit' | 'secondFactor'>, accountId: string, ctx: ClientContext): Promise<{ removed: number }> {
  const account = await deps.accounts.findById(deps.uow.db, accountId);
  if (!account) throw new AuthError('NOT_FOUND', 'no such account');
  return deps.uow.transaction(async (tx) => {
    const removed = (await deps.secondFactor.store.deleteAllFactors(tx, accountId, deps.clock.now())) + (await deps.secondFactor.passkeys.store.deleteAll(tx, accountId));
    await deps.audit.record(tx, { type: 'mfa_reset', outcome: 'success', accountId, ctx, detail: { removed } });
    if (removed > 0) await noticeFactorChange(deps, tx, account, 'reset_by_operator');
    return { removed };
  });
}
