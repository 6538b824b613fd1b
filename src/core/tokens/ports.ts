/** Access tokens: the signing keys' store and the signer. */
import type { Tx } from '../ports.js';

/** A stored JWT signing key. `privateJwk` and `publicJwk` are JSON strings. */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: number;
  retiredAt: number | null;
}

export interface KeyStore {
  /** Every signing key, newest first. */
  listSigningKeys(tx: Tx): Promise<SigningKeyRecord[]>;
  /** Adds a signing key (nothing happens if its kid exists). */
  insertSigningKey(tx: Tx, key: SigningKeyRecord): Promise<void>;
  /** Marks a signing key retired (no longer published or accepted); false when unknown or already retired. */
  retireSigningKey(tx: Tx, kid: string, now: number): Promise<boolean>;
  /** The named server secret, created from `generate()` by whichever node asks first. */
  getOrCreateSecret(tx: Tx, name: string, generate: () => string, now: number): Promise<string>;
}

export interface AccessClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
  jti: string;
}

export interface AccessTokenSigner {
  /** Signs access-token claims. */
  sign(claims: AccessClaims): Promise<string>;
  /** The verified claims, or null for any malformed, forged, expired or foreign token. */
  verify(token: string, nowMs: number): Promise<AccessClaims | null>;
}
