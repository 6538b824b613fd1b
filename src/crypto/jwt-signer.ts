/**
 * Access tokens: JWTs signed with Ed25519 (EdDSA), header `typ: at+jwt` and a `kid`. Keys are
 * generated on first start and kept in the database so every node signs and verifies with the
 * same set; public halves are published as a JWKS so other services verify offline.
 *
 * Verification accepts only EdDSA with a `kid` from our own key set (never key material from
 * the token: no `jwk`, `jku`, `x5u`), our issuer, the access-token `typ`, and checks exp with
 * no leeway. Anything else, including a refresh or email-link token, is refused.
 */
import { generateKeyPairSync, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTHeaderParameters, type FlattenedJWSInput } from 'jose';
import type { AccessClaims, AccessTokenSigner, Clock, KeyStore, SigningKeyRecord, UnitOfWork } from '../core/ports.js';

const ALG = 'EdDSA';
const TYP = 'at+jwt';
const RELOAD_INTERVAL_MS = 5000;
/** Verified tokens remembered (a client sends one access token many times in its 15 minutes). */
const VERIFIED_CACHE_SIZE = 20_000;

interface LoadedKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

export interface JwtSigner extends AccessTokenSigner {
  /** The public key set, for /.well-known/jwks.json. */
  jwks(): { keys: Array<Record<string, unknown>> };
  /** Generates a new signing key; older keys keep verifying. Returns the new kid. */
  rotate(): Promise<string>;
}

export interface JwtSignerOptions {
  uow: UnitOfWork;
  keys: KeyStore;
  clock: Clock;
  issuer: string;
}

function newKeyRecord(now: number): SigningKeyRecord {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = randomUUID();
  return {
    kid,
    alg: ALG,
    privateJwk: JSON.stringify(privateKey.export({ format: 'jwk' })),
    publicJwk: JSON.stringify(publicKey.export({ format: 'jwk' })),
    createdAt: now,
    retiredAt: null,
  };
}

function loadKey(record: SigningKeyRecord): LoadedKey {
  const privateJwk = JSON.parse(record.privateJwk) as Record<string, unknown>;
  const publicJwk = JSON.parse(record.publicJwk) as Record<string, unknown>;
  return {
    kid: record.kid,
    privateKey: createPrivateKey({ key: privateJwk as never, format: 'jwk' }),
    publicKey: createPublicKey({ key: publicJwk as never, format: 'jwk' }),
    publicJwk: { ...publicJwk, kid: record.kid, alg: ALG, use: 'sig' },
  };
}

/** Loads (or on first start creates) the signing keys and returns the signer. */
export async function createJwtSigner(options: JwtSignerOptions): Promise<JwtSigner> {
  const { uow, keys: store, clock, issuer } = options;
  let keys: LoadedKey[] = [];
  let lastLoad = 0;
  // token -> claims of tokens whose signature, header and issuer verified. Only `exp` depends on
  // time, and it is checked on every hit; the session is still checked by the caller each time.
  const verified = new Map<string, AccessClaims>();

  async function reload(): Promise<void> {
    const records = await store.listSigningKeys(uow.db);
    keys = records.filter((r) => r.alg === ALG).map(loadKey);
    lastLoad = Date.now();
  }

  await reload();
  if (keys.length === 0) {
    await store.insertSigningKey(uow.db, newKeyRecord(clock.now()));
    await reload();
  }

  async function keyFor(header: JWTHeaderParameters, _token: FlattenedJWSInput): Promise<KeyObject> {
    if (header.alg !== ALG || typeof header.kid !== 'string' || header.jwk || header.jku || header.x5u) {
      throw new Error('unacceptable token header');
    }
    let key = keys.find((k) => k.kid === header.kid);
    if (!key && Date.now() - lastLoad > RELOAD_INTERVAL_MS) {
      await reload(); // another node may have rotated
      key = keys.find((k) => k.kid === header.kid);
    }
    if (!key) throw new Error('unknown kid');
    return key.publicKey;
  }

  return {
    async sign(claims: AccessClaims): Promise<string> {
      const current = keys[0];
      if (!current) throw new Error('no signing key loaded');
      return new SignJWT({ sid: claims.sid })
        .setProtectedHeader({ alg: ALG, kid: current.kid, typ: TYP })
        .setIssuer(issuer)
        .setSubject(claims.sub)
        .setIssuedAt(claims.iat)
        .setExpirationTime(claims.exp)
        .setJti(claims.jti)
        .sign(current.privateKey);
    },

    async verify(token: string, nowMs: number): Promise<AccessClaims | null> {
      if (token.length > 4096) return null;
      const known = verified.get(token);
      if (known) {
        if (known.exp * 1000 > nowMs) return known;
        verified.delete(token);
        return null;
      }
      try {
        const { payload } = await jwtVerify(token, keyFor, {
          algorithms: [ALG],
          issuer,
          typ: TYP,
          currentDate: new Date(nowMs),
          requiredClaims: ['sub', 'sid', 'iat', 'exp', 'jti'],
        });
        const { sub, sid, iat, exp, jti } = payload as Record<string, unknown>;
        if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') return null;
        if (typeof iat !== 'number' || typeof exp !== 'number') return null;
        const claims = { sub, sid, iat, exp, jti };
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
        verified.set(token, claims);
        return claims;
      } catch {
        return null;
      }
    },

    jwks: () => ({ keys: keys.map((k) => k.publicJwk) }),

    async rotate(): Promise<string> {
      const record = newKeyRecord(clock.now());
      await store.insertSigningKey(uow.db, record);
      await reload();
      return record.kid;
    },
  };
}
