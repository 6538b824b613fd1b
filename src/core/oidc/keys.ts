/**
 * The OIDC provider signs with Latchkey's own key set (signing_keys, rotated and retired with
 * `latchkey keys`): the Ed25519 keys the JWT API signs with (alg EdDSA), and an RSA key (alg
 * RS256) for the many OIDC clients and API gateways that verify RS256 only. The RSA key is made
 * on first start the way the first Ed25519 key is: whichever node wins the insert of a server
 * secret decides it, so every node signs with the same key.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { SigningKeyRecord } from '../tokens/ports.js';

export type OidcKeyDeps = Pick<CoreDeps, 'uow' | 'keys' | 'clock'>;

/** A private JWK with its kid, alg and use, as oidc-provider's `jwks` takes it. */
export type PrivateJwk = Record<string, unknown> & { kid: string; alg: string };

export const OIDC_SIGNING_ALGS = ['EdDSA', 'RS256'] as const;

function newRsaKeyRecord(now: number): SigningKeyRecord {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid: randomUUID(),
    alg: 'RS256',
    privateJwk: JSON.stringify(privateKey.export({ format: 'jwk' })),
    publicJwk: JSON.stringify(publicKey.export({ format: 'jwk' })),
    createdAt: now,
    retiredAt: null,
  };
}

/** Makes the first RS256 key unless one exists (every node agrees on the same key). */
export async function ensureRsaSigningKey(deps: OidcKeyDeps): Promise<void> {
  const records = await deps.keys.listSigningKeys(deps.uow.db);
  if (records.some((r) => r.alg === 'RS256' && r.retiredAt === null)) return;
  const now = deps.clock.now();
  const first = await deps.keys.getOrCreateSecret(deps.uow.db, 'first-rs256-signing-key', () => JSON.stringify(newRsaKeyRecord(now)), now);
  await deps.keys.insertSigningKey(deps.uow.db, JSON.parse(first) as SigningKeyRecord);
}

/** Adds a new RS256 key (`latchkey keys rotate --rs256`); the OIDC provider signs RS256 id tokens with it once its node re-reads the key set. Returns its kid. */
export async function rotateRsaSigningKey(deps: OidcKeyDeps): Promise<string> {
  const record = newRsaKeyRecord(deps.clock.now());
  await deps.keys.insertSigningKey(deps.uow.db, record);
  return record.kid;
}

/** The live (not retired) EdDSA and RS256 private keys, newest first within each algorithm. */
export async function oidcSigningKeys(deps: OidcKeyDeps): Promise<PrivateJwk[]> {
  const records = await deps.keys.listSigningKeys(deps.uow.db);
  return records
    .filter((r) => r.retiredAt === null && (OIDC_SIGNING_ALGS as readonly string[]).includes(r.alg))
    .map((r) => ({ ...(JSON.parse(r.privateJwk) as Record<string, unknown>), kid: r.kid, alg: r.alg, use: 'sig' }));
}
