/**
 * Adding and removing passkeys (docs/security.md, "Passkeys"). Both need the owner's proof
 * (src/core/mfa/owner-proof.ts): adding is two steps, the owner's proof buys a registration
 * challenge of this account (living `challengeTtl` seconds, single use), and the browser's answer
 * to it registers the passkey. A passkey that is the account's first factor comes with ten
 * recovery codes (shown once), as a first TOTP factor does; removing the last factor drops them.
 * Every change is audited and mailed to the owner.
 */
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import { newId } from '../credentials/secrets.js';
import { AuthError } from '../errors.js';
import { UniqueViolation } from '../ports.js';
import { hasSecondFactor } from '../mfa/codes.js';
import { issueRecoveryCodes, noticeFactorChange } from '../mfa/enrol.js';
import { activeAccount, withOwnerProof, type OwnerProof } from '../mfa/owner-proof.js';
import { keepChallenge, readClaims, takeChallenge } from './assertion.js';
import type { Passkey } from './ports.js';

/** The longest name a passkey may have. */
const NAME_MAX = 64;

/** A registered passkey and, when it was the first factor, the recovery codes (shown once; else empty). */
export interface RegisteredPasskey {
  passkey: Passkey;
  recoveryCodes: string[];
}

/** The account's passkeys, oldest first. */
export async function listPasskeys(deps: CoreDeps, accountId: string): Promise<Passkey[]> {
  return deps.secondFactor.passkeys.store.list(deps.uow.db, accountId);
}

/** Starts adding a passkey (the owner's proof required): the options for `navigator.credentials.create`. */
export async function startPasskeyRegistration(deps: CoreDeps, accountId: string, proof: OwnerProof, ctx: ClientContext): Promise<Record<string, unknown>> {
  return withOwnerProof(deps, accountId, proof, ctx, async (tx, account) => {
    const existing = await deps.secondFactor.passkeys.store.list(tx, accountId);
    const options = await deps.secondFactor.passkeys.ceremonies.registrationOptions({ id: account.id, name: account.username ?? account.email ?? account.id }, existing);
    await keepChallenge(deps, tx, options, 'register', account.id);
    return options.options;
  });
}

/**
 * Finishes adding a passkey with the browser's answer to this account's registration challenge:
 * INVALID_INPUT (not a response, a bad name, a credential registered already), INVALID_TOKEN (no
 * live challenge of this account), INVALID_CREDENTIALS (the response does not verify).
 */
export async function finishPasskeyRegistration(deps: CoreDeps, accountId: string, name: string, response: unknown, ctx: ClientContext): Promise<RegisteredPasskey> {
  const account = await activeAccount(deps, accountId);
  const label = name.trim() === '' ? 'Passkey' : name.trim();
  if (label.length > NAME_MAX) throw new AuthError('INVALID_INPUT', `a passkey name has at most ${NAME_MAX} characters`, { field: 'name' });
  const claims = await readClaims(deps, response);
  const challenge = await takeChallenge(deps, claims, 'register', accountId);
  const credential = await deps.secondFactor.passkeys.ceremonies.verifyRegistration(response, challenge.challenge);
  if (credential === null) {
    await deps.audit.note({ type: 'mfa_enable', outcome: 'failure', accountId, ctx, detail: { factor: 'passkey', reason: 'not_verified' } });
    throw new AuthError('INVALID_CREDENTIALS', 'the passkey could not be verified');
  }
  const passkey: Passkey = { id: newId(), accountId, name: label, createdAt: deps.clock.now(), lastUsedAt: null, ...credential };
  try {
    return await deps.uow.transaction(async (tx) => {
      const first = !(await hasSecondFactor(deps, accountId, tx));
      await deps.secondFactor.passkeys.store.insert(tx, passkey);
      const recoveryCodes = first ? await issueRecoveryCodes(deps, tx, accountId) : [];
      await deps.audit.record(tx, { type: 'mfa_enable', outcome: 'success', accountId, ctx, detail: { factor: 'passkey', passkeyId: passkey.id } });
      await noticeFactorChange(deps, tx, account, 'passkey_added');
      return { passkey, recoveryCodes };
    });
  } catch (err) {
    if (err instanceof UniqueViolation) throw new AuthError('INVALID_INPUT', 'this passkey is registered already', { field: 'credential' });
    throw err;
  }
}

/** Removes a passkey (the owner's proof required), and the recovery codes with the last factor; NOT_FOUND for no such passkey. */
export async function removePasskey(deps: CoreDeps, accountId: string, passkeyId: string, proof: OwnerProof, ctx: ClientContext): Promise<void> {
  await withOwnerProof(deps, accountId, proof, ctx, async (tx, account) => {
    if (!(await deps.secondFactor.passkeys.store.delete(tx, accountId, passkeyId))) throw new AuthError('NOT_FOUND', 'you have no passkey with this id');
    if (!(await hasSecondFactor(deps, accountId, tx))) await deps.secondFactor.store.replaceRecoveryCodes(tx, accountId, [], deps.clock.now());
    await deps.audit.record(tx, { type: 'mfa_disable', outcome: 'success', accountId, ctx, detail: { factor: 'passkey', passkeyId } });
    await noticeFactorChange(deps, tx, account, 'passkey_removed');
  });
}
