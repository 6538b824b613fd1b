/**
 * Ceremony challenges and the check of a passkey's assertion, shared by every passkey flow
 * (docs/security.md, "Passkeys"). A challenge is 256 random bits made by the WebAuthn library,
 * stored server-side (any node can finish a ceremony another began), bound to its purpose and,
 * except for a passwordless sign-in, to its account; it lives `challengeTtl` seconds and is taken
 * once, before verification, in its own write: a response replayed, or answering a challenge of
 * another purpose, account or age, finds nothing to answer.
 */
import type { CoreDeps } from '../deps.js';
import { newId } from '../credentials/secrets.js';
import { AuthError } from '../errors.js';
import type { Tx } from '../ports.js';
import type { CeremonyChallenge, CeremonyOptions, CeremonyPurpose, Passkey, ResponseClaims } from './ports.js';

/** Stores the challenge of `options` for `purpose` (and the account it is bound to) in `tx`. */
export async function keepChallenge(deps: Pick<CoreDeps, 'clock' | 'secondFactor'>, tx: Tx, options: CeremonyOptions, purpose: CeremonyPurpose, accountId: string | null): Promise<void> {
  const now = deps.clock.now();
  const challenge: CeremonyChallenge = { id: newId(), challenge: options.challenge, purpose, accountId, createdAt: now, expiresAt: now + deps.secondFactor.passkeys.challengeTtl * 1000 };
  await deps.secondFactor.passkeys.store.insertChallenge(tx, challenge);
}

/** The claims of a browser's response; INVALID_INPUT when it is not a WebAuthn response at all. */
export async function readClaims(deps: Pick<CoreDeps, 'secondFactor'>, response: unknown): Promise<ResponseClaims> {
  const claims = await deps.secondFactor.passkeys.ceremonies.readResponse(response);
  if (claims === null) throw new AuthError('INVALID_INPUT', 'the passkey answer is not a WebAuthn response', { field: 'credential' });
  return claims;
}

/**
 * Takes (uses up) the challenge a response answers: it must be unused, unexpired, of `purpose`
 * and, when `accountId` is given, of that account. INVALID_TOKEN otherwise.
 */
export async function takeChallenge(deps: Pick<CoreDeps, 'uow' | 'clock' | 'secondFactor'>, claims: ResponseClaims, purpose: CeremonyPurpose, accountId: string | null): Promise<CeremonyChallenge> {
  const taken = await deps.secondFactor.passkeys.store.takeChallenge(deps.uow.db, claims.challenge, purpose, deps.clock.now());
  if (taken === null || (accountId !== null && taken.accountId !== accountId)) {
    throw new AuthError('INVALID_TOKEN', 'the passkey request is unknown, expired or used: start again');
  }
  return taken;
}

/**
 * Checks an assertion: its challenge is taken (INVALID_TOKEN when there is none to answer), then
 * the credential must be a passkey (of `accountId` when given; its user handle, when sent, must
 * name the same account) and the signature must verify with user verification. Resolves to the
 * passkey with its new counter recorded, or null (unknown credential, wrong signature).
 */
export async function verifyAssertion(deps: Pick<CoreDeps, 'uow' | 'clock' | 'secondFactor'>, response: unknown, purpose: CeremonyPurpose, accountId: string | null): Promise<Passkey | null> {
  const { store, ceremonies } = deps.secondFactor.passkeys;
  const claims = await readClaims(deps, response);
  const challenge = await takeChallenge(deps, claims, purpose, accountId);
  const passkey = await store.findByCredentialId(deps.uow.db, claims.credentialId);
  if (passkey === null || (accountId !== null && passkey.accountId !== accountId)) return null;
  if (claims.userHandle !== null && claims.userHandle !== passkey.accountId) return null;
  const verified = await ceremonies.verifyAuthentication(response, challenge.challenge, passkey);
  if (verified === null) return null;
  await store.recordUse(deps.uow.db, passkey.id, verified.counter, verified.backedUp, deps.clock.now());
  return { ...passkey, counter: verified.counter, backedUp: verified.backedUp };
}

/** Options for an assertion by one of `allow` (empty: any discoverable credential), their challenge kept for `purpose`. */
export async function assertionOptions(deps: Pick<CoreDeps, 'uow' | 'clock' | 'secondFactor'>, allow: Passkey[], purpose: CeremonyPurpose, accountId: string | null): Promise<Record<string, unknown>> {
  const options = await deps.secondFactor.passkeys.ceremonies.authenticationOptions(allow);
  await keepChallenge(deps, deps.uow.db, options, purpose, accountId);
  return options.options;
}
