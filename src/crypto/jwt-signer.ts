/**
 * Access tokens: JWTs signed with Ed25519 (EdDSA), header `typ: at+jwt` and a `kid`. Keys are
 * generated on first start and kept in the database so every node signs and verifies with the
 * same set; public halves are published as a JWKS so other services verify offline.
 *
 * Verification accepts only EdDSA with a `kid` from our own key set (never key material from
 * the token: no `jwk`, `jku`, `x5u`, `x5c`), our issuer, the access-token `typ`, and checks exp
 * with no leeway against the injected clock, and the first-party audience (`aud`, or none on
 * tokens signed before it existed: src/core/tokens/audience.ts). Anything else, including a
 * refresh or email-link token or a token minted for another audience, is refused. A retired
 * key (`latchkey keys retire`) is neither published nor accepted; every node drops it at its
 * next key-set reload (within `refreshMs` of a request). Signing and verifying use fast-jwt
 * over node:crypto (synchronous), not WebCrypto: see docs/decisions.md, "JWT library".
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createDecoder, createSigner, createVerifier } from 'fast-jwt';
import type { Clock, UnitOfWork } from '../core/ports.js';
import type { AccessClaims, AccessTokenSigner, KeyStore, SigningKeyRecord } from '../core/tokens/ports.js';
import { acceptsAudience, FIRST_PARTY_AUDIENCE } from '../core/tokens/audience.js';

const ALG = 'EdDSA';
const TYP = 'at+jwt';
const RELOAD_INTERVAL_MS = 5000;
/** How often a node re-reads the key set by default (ms); see `sign()` for the bound it gives. */
export const KEY_RELOAD_MS = 60_000;
/** Verified tokens remembered (a client sends one access token many times in its 15 minutes). */
const VERIFIED_CACHE_SIZE = 20_000;
const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'crit'];

interface LoadedKey {
  kid: string;
  sign: (payload: Record<string, unknown>) => string;
  verify: (token: string) => Record<string, unknown>;
  publicJwk: Record<string, unknown>;
}

const decodeComplete = createDecoder({ complete: true }) as (token: string) => { header: Record<string, unknown> };

export interface JwtSigner extends AccessTokenSigner {
  /** The public key set, for /.well-known/jwks.json. */
  jwks(): { keys: Array<Record<string, unknown>> };
  /** Generates a new signing key; older keys keep verifying. Returns the new kid. */
  rotate(): Promise<string>;
  /** Re-reads the key set from the database (nodes also do this on their own every minute). */
  reload(): Promise<void>;
}

export interface JwtSignerOptions {
  uow: UnitOfWork;
  keys: KeyStore;
  clock: Clock;
  issuer: string;
  /** How often the key set is re-read, so a key rotated elsewhere is used for signing (ms). */
  refreshMs?: number;
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

/** fast-jwt's EdDSA signer for one key: the access-token header (`typ`, `kid`), the claims in the order given. */
export function accessTokenSigner(privateKey: KeyObject, kid: string): (payload: Record<string, unknown>) => string {
  const pem = String(privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return createSigner({ key: pem, algorithm: ALG, kid, header: { typ: TYP } as never }) as (payload: Record<string, unknown>) => string;
}

function loadKey(record: SigningKeyRecord, issuer: string): LoadedKey {
  const privateJwk = JSON.parse(record.privateJwk) as Record<string, unknown>;
  const publicJwk = JSON.parse(record.publicJwk) as Record<string, unknown>;
  const publicPem = createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
  return {
    kid: record.kid,
    sign: accessTokenSigner(createPrivateKey({ key: privateJwk as never, format: 'jwk' }), record.kid),
    verify: createVerifier({
      key: String(publicPem),
      algorithms: [ALG],
      allowedIss: issuer,
      checkTyp: TYP,
      requiredClaims: ['sub', 'sid', 'iat', 'exp', 'jti'],
      ignoreExpiration: true, // checked below against the injected clock
      cache: false,
    }) as (token: string) => Record<string, unknown>,
    publicJwk: { ...publicJwk, kid: record.kid, alg: ALG, use: 'sig' },
  };
}

/** Loads (or on first start creates) the signing keys and returns the signer. */
export async function createJwtSigner(options: JwtSignerOptions): Promise<JwtSigner> {
  const { uow, keys: store, clock, issuer } = options;
  const refreshMs = options.refreshMs ?? KEY_RELOAD_MS;
  let keys: LoadedKey[] = [];
  let lastLoad = 0;
  let reloading: Promise<void> | null = null;
  // token -> claims of tokens whose signature, header and issuer verified. Only `exp` depends on
  // time, and it is checked on every hit; the session is still checked by the caller each time.
  const verified = new Map<string, AccessClaims>();

  async function reload(): Promise<void> {
    const records = await store.listSigningKeys(uow.db);
    const loaded = records.filter((r) => r.alg === ALG && r.retiredAt === null).map((r) => loadKey(r, issuer));
    // A key retired since the last load: forget what it verified.
    if (keys.some((k) => !loaded.some((l) => l.kid === k.kid))) verified.clear();
    keys = loaded;
    lastLoad = Date.now();
  }

  function reloadInBackground(): void {
    if (Date.now() - lastLoad <= refreshMs || reloading) return;
    reloading = reload()
      .catch(() => {})
      .finally(() => {
        reloading = null;
      });
  }

  await reload();
  if (keys.length === 0) {
    // Nodes starting together on a new database must agree on one first key: whichever node
    // wins the insert of this server secret decides it, and every node stores that same key.
    const first = await store.getOrCreateSecret(uow.db, 'first-signing-key', () => JSON.stringify(newKeyRecord(clock.now())), clock.now());
    await store.insertSigningKey(uow.db, JSON.parse(first) as SigningKeyRecord);
    await reload();
  }

  async function keyFor(header: Record<string, unknown>): Promise<LoadedKey | null> {
    if (header.alg !== ALG || typeof header.kid !== 'string' || FORBIDDEN_HEADERS.some((h) => h in header)) return null;
    let key = keys.find((k) => k.kid === header.kid);
    if (!key && Date.now() - lastLoad > RELOAD_INTERVAL_MS) {
      await reload(); // another node may have rotated
      key = keys.find((k) => k.kid === header.kid);
    }
    return key ?? null;
  }

  return {
    async sign(claims: AccessClaims): Promise<string> {
      // Pick up a key rotated or retired by another node or the CLI, without delaying this
      // answer; a node idle for two intervals re-reads first, so a superseded key never signs
      // later than 2 × refreshMs after its successor was added (what `keys retire` counts on).
      if (Date.now() - lastLoad > 2 * refreshMs) await (reloading ?? reload());
      else reloadInBackground();
      const current = keys[0];
      if (!current) throw new Error('no signing key loaded');
      return current.sign({ sid: claims.sid, iss: issuer, aud: FIRST_PARTY_AUDIENCE, sub: claims.sub, iat: claims.iat, exp: claims.exp, jti: claims.jti });
    },

    async verify(token: string, nowMs: number): Promise<AccessClaims | null> {
      if (token.length > 4096) return null;
      reloadInBackground(); // a node that only verifies also drops retired keys
      const known = verified.get(token);
      if (known) {
        if (known.exp * 1000 > nowMs) return known;
        verified.delete(token);
        return null;
      }
      try {
        const key = await keyFor(decodeComplete(token).header);
        if (!key) return null;
        const { sub, sid, iat, exp, jti, aud } = key.verify(token);
        if (!acceptsAudience(aud)) return null;
        if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') return null;
        if (typeof iat !== 'number' || typeof exp !== 'number' || exp * 1000 <= nowMs) return null;
        const claims = { sub, sid, iat, exp, jti };
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
        verified.set(token, claims);
        return claims;
      } catch {
        return null;
      }
    },

    jwks: () => ({ keys: keys.map((k) => k.publicJwk) }),

    reload,

    async rotate(): Promise<string> {
      const record = newKeyRecord(clock.now());
      await store.insertSigningKey(uow.db, record);
      await reload();
      return record.kid;
    },
  };
}
