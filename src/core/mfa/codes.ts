/**
 * Checking a second-factor code, shared by the login's second step and by the owner's proof
 * before a change. A six-digit code is a TOTP code: it must match the confirmed factor within
 * ±1 time step (30 s of clock skew either way), and its step must be later than the last one
 * accepted, so a code seen over a shoulder or replayed from a log is refused (RFC 6238 §5.2).
 * Anything else is tried as a recovery code: 80 random bits, stored as SHA-256 only, each usable
 * once; a use is audited and mailed to the owner. Acceptance is one conditional UPDATE in both
 * cases, so two requests racing with one code cannot both pass.
 */
import { randomBytes } from 'node:crypto';
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import { hashSecret } from '../credentials/secrets.js';
import type { Account } from '../accounts/ports.js';
import type { Tx } from '../ports.js';
import type { TotpFactor } from './ports.js';
import { greetingData } from '../outbox/greeting.js';

/** Which kind of code matched: a TOTP code (`otp`) or a recovery code. */
export type CodeKind = 'otp' | 'recovery';

/** Steps of clock skew accepted either side of now. */
const SKEW_STEPS = 1;

/** Where a TOTP secret is sealed: bound to its row, so a secret moved to another row does not open. */
export function totpContext(factorId: string): string {
  return `mfa_factors:${factorId}`;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `bytes` random bytes as lower-case base32 in groups of four (a recovery code: 10 bytes, 80 bits). */
export function randomCode(bytes: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of randomBytes(bytes)) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{1,4}/g)?.join('-') ?? out;
}

/** A code as typed, reduced to lower-case base32 of `length` letters ('' when it is not one). */
export function normalizeCode(code: string, length: number): string {
  const plain = code.replace(/[\s-]/g, '').toLowerCase();
  return plain.length === length && /^[a-z2-7]+$/.test(plain) ? plain : '';
}

/** A recovery code as typed, reduced to its letters and digits in lower case ('' when malformed). */
export function normalizeRecoveryCode(code: string): string {
  return normalizeCode(code, 16);
}

/** The time step of a TOTP code for this factor, or null for a wrong, stale or replayed one. Does not accept it. */
export function matchTotpStep(deps: Pick<CoreDeps, 'clock' | 'secondFactor'>, factor: TotpFactor, code: string): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const secret = deps.secondFactor.sealer.open(factor.secret, totpContext(factor.id));
  const step = deps.secondFactor.totp.matchStep(secret, code, deps.clock.now(), SKEW_STEPS);
  if (step === null || (factor.lastStep !== null && step <= factor.lastStep)) return null;
  return step;
}

/** The account's confirmed TOTP factor, or null. */
export async function confirmedTotp(deps: Pick<CoreDeps, 'secondFactor'>, tx: Tx, accountId: string): Promise<TotpFactor | null> {
  const factor = await deps.secondFactor.store.findTotp(tx, accountId);
  return factor && factor.confirmedAt !== null ? factor : null;
}

/** The account's second factors that are on: a confirmed TOTP factor, and how many passkeys. */
export async function factorsOn(deps: Pick<CoreDeps, 'secondFactor'>, tx: Tx, accountId: string): Promise<{ totp: boolean; passkeys: number }> {
  const totp = (await confirmedTotp(deps, tx, accountId)) !== null;
  return { totp, passkeys: (await deps.secondFactor.passkeys.store.list(tx, accountId)).length };
}

/** True when the account has a second factor on (a confirmed TOTP factor or a passkey). */
export async function hasSecondFactor(deps: Pick<CoreDeps, 'uow' | 'secondFactor'>, accountId: string, tx: Tx = deps.uow.db): Promise<boolean> {
  return deps.secondFactor.store.hasFactorOn(tx, accountId);
}

/**
 * Checks and spends a code of the account's second factor in `tx`: the kind that matched, or
 * null. A recovery code used is audited and its owner mailed in the same transaction.
 */
export async function spendSecondFactorCode(deps: Pick<CoreDeps, 'clock' | 'outbox' | 'audit' | 'secondFactor'>, tx: Tx, account: Account, code: string, ctx: ClientContext): Promise<CodeKind | null> {
  const store = deps.secondFactor.store;
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const factor = await confirmedTotp(deps, tx, account.id);
    const step = factor && matchTotpStep(deps, factor, trimmed);
    if (!factor || step === null) return null;
    return (await store.acceptStep(tx, factor.id, step)) ? 'otp' : null;
  }
  const plain = normalizeRecoveryCode(trimmed);
  if (plain === '' || !(await store.useRecoveryCode(tx, account.id, hashSecret(plain), deps.clock.now()))) return null;
  const left = await store.countRecoveryCodes(tx, account.id);
  await deps.audit.record(tx, { type: 'recovery_code_used', outcome: 'success', accountId: account.id, ctx, detail: { left } });
  if (account.email) {
    await deps.outbox.enqueue(tx, { template: 'recovery_code_used', to: account.email, data: { ...greetingData(account), left: String(left) }, language: account.locale });
  }
  return 'recovery';
}
