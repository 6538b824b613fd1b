/**
 * Changes to an account's factors need its owner, not only its session: the password (and the
 * second factor when one is on) given with the request itself, so a stolen cookie or access token
 * cannot add a factor that locks the owner out or remove the one that keeps an attacker out.
 * With a factor on, the second part is a code (TOTP or recovery) or a passkey's assertion
 * answering an `owner_proof` challenge of this account (src/core/passkeys/assertion.ts).
 * Wrong proofs count in the login throttle of the account and the address, like login attempts.
 */
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import { accountSubject, assertNotThrottled, recordLoginFailure } from '../credentials/throttle.js';
import { isPasswordWithinBounds, normalizePassword } from '../credentials/password-policy.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import type { Tx } from '../ports.js';
import { hasSecondFactor, spendSecondFactorCode } from './codes.js';
import { verifyAssertion } from '../passkeys/assertion.js';

/** What the owner gives to change a factor: the password, and a code or a passkey's assertion when a factor is on. */
export interface OwnerProof {
  password: string;
  code?: string | null | undefined;
  /** A passkey's assertion (the browser's JSON) answering an `owner_proof` challenge, instead of a code. */
  passkey?: unknown;
}

/** The active account, or NOT_AUTHENTICATED. */
export async function activeAccount(deps: Pick<CoreDeps, 'uow' | 'accounts'>, accountId: string): Promise<Account> {
  const account = await deps.accounts.findById(deps.uow.db, accountId);
  if (!account || account.status !== 'active') throw new AuthError('NOT_AUTHENTICATED', 'the session has ended');
  return account;
}

async function refuse(deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'throttle' | 'audit'>, account: Account, reason: string, ctx: ClientContext): Promise<never> {
  await recordLoginFailure(deps, accountSubject(account.id), ctx.ip);
  await deps.audit.note({ type: 'mfa_step', outcome: 'failure', accountId: account.id, ctx, detail: { reason, purpose: 'owner_proof' } });
  throw new AuthError('INVALID_CREDENTIALS', reason === 'code_required' ? 'give a code of your second factor too' : 'the password or code is not valid');
}

/**
 * Checks the owner's proof and runs `change` in one transaction with it (a code spent for the
 * proof is spent only if the change happens). INVALID_CREDENTIALS for a wrong proof, THROTTLED.
 */
export async function withOwnerProof<T>(
  deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'throttle' | 'outbox' | 'audit' | 'secondFactor'>,
  accountId: string,
  proof: OwnerProof,
  ctx: ClientContext,
  change: (tx: Tx, account: Account) => Promise<T>,
): Promise<T> {
  const account = await activeAccount(deps, accountId);
  await assertNotThrottled(deps, accountSubject(account.id), ctx.ip);
  const password = proof.password;
  const matches = isPasswordWithinBounds(password) && account.passwordHash !== null && (await deps.hasher.verify(account.passwordHash, normalizePassword(password)));
  if (!matches) return refuse(deps, account, 'wrong_password', ctx);
  const needsCode = await hasSecondFactor(deps, account.id);
  const byPasskey = needsCode && !proof.code && proof.passkey !== undefined && proof.passkey !== null;
  if (needsCode && !proof.code && !byPasskey) return refuse(deps, account, 'code_required', ctx);
  if (byPasskey && (await verifyAssertion(deps, proof.passkey, 'owner_proof', account.id)) === null) return refuse(deps, account, 'wrong_passkey', ctx);
  let codeFailed = false;
  const result = await deps.uow.transaction(async (tx) => {
    if (needsCode && !byPasskey && !(await spendSecondFactorCode(deps, tx, account, proof.code as string, ctx))) {
      codeFailed = true;
      return null;
    }
    return { value: await change(tx, account) };
  });
  if (codeFailed || result === null) return refuse(deps, account, 'wrong_code', ctx);
  return result.value;
}
