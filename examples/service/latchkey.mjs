/**
 * Two ways for a back-end service to learn who a Latchkey user is, with nothing but Node.js
 * (20 or newer): no npm packages.
 *
 *   createAccessTokenVerifier()  verifies an access token (a JWT) offline, with the public keys
 *                                Latchkey publishes at /.well-known/jwks.json. No call to
 *                                Latchkey per request, but a token stays valid until its `exp`
 *                                (15 minutes by default) even after the user logs out.
 *   createIntrospectionClient()  asks Latchkey (POST /api/v1/introspect, with this service's own
 *                                key) about a session cookie or a token. One call per check, and
 *                                logout, password changes and revocations show at once.
 */
import { createPublicKey, verify as verifySignature } from 'node:crypto';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function decodeJson(part) {
  const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
  return value;
}

/**
 * Verifies Latchkey access tokens offline.
 *
 * @param {object} options
 * @param {string} options.jwksUrl       e.g. https://accounts.example.com/.well-known/jwks.json
 * @param {string} options.issuer        the `iss` Latchkey puts in tokens (its JWT_ISSUER, by default PUBLIC_URL)
 * @param {number} [options.minRefetchMs=10000]  an unknown `kid` refetches the key set at most this often,
 *                                       so tokens with made-up key ids cannot make us hammer Latchkey
 * @param {() => number} [options.now]   milliseconds since the epoch (for tests)
 * @returns {{ verify(token: string): Promise<{ sub: string, sid: string, exp: number } | null> }}
 */
export function createAccessTokenVerifier({ jwksUrl, issuer, minRefetchMs = 10_000, now = Date.now }) {
  /** kid -> KeyObject */
  let keys = new Map();
  let fetchedAt = -Infinity;
  let inflight = null;

  async function fetchKeys() {
    const res = await fetch(jwksUrl, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`JWKS fetch failed: HTTP ${res.status}`);
    const body = await res.json();
    const next = new Map();
    for (const jwk of Array.isArray(body?.keys) ? body.keys : []) {
      // Only Ed25519 signing keys: the algorithm is fixed, never taken from the token.
      if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.kid !== 'string' || typeof jwk.x !== 'string') continue;
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      next.set(jwk.kid, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }));
    }
    keys = next;
    fetchedAt = now();
  }

  async function keyFor(kid) {
    if (!keys.has(kid) && now() - fetchedAt >= minRefetchMs) {
      // The key set is cached; a kid we do not know means Latchkey rotated its keys: refetch once.
      inflight ??= fetchKeys().finally(() => {
        inflight = null;
      });
      await inflight;
    }
    return keys.get(kid) ?? null;
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length > 4096 || !JWT_SHAPE.test(token)) return null;
      const [h, p, s] = token.split('.');
      let header;
      let claims;
      try {
        header = decodeJson(h);
        claims = decodeJson(p);
      } catch {
        return null;
      }
      // RFC 9068: an access token says so in `typ`; this refuses every other JWT Latchkey or anyone signs.
      const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
      if (header.alg !== 'EdDSA' || (typ !== 'at+jwt' && typ !== 'application/at+jwt')) return null;
      if (typeof header.kid !== 'string' || 'crit' in header || 'jwk' in header || 'jku' in header) return null;
      const key = await keyFor(header.kid);
      if (!key) return null;
      if (!verifySignature(null, Buffer.from(`${h}.${p}`, 'ascii'), key, Buffer.from(s, 'base64url'))) return null;
      const nowSec = now() / 1000;
      if (claims.iss !== issuer || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return null;
      // Tokens for Latchkey's own API and its services say `latchkey:first-party`; another value was
      // minted for another application. (None at all: a token of a release before `aud` existed.)
      if (claims.aud !== undefined && claims.aud !== 'latchkey:first-party') return null;
      if (claims.exp <= nowSec || (typeof claims.nbf === 'number' && claims.nbf > nowSec)) return null;
      return { sub: claims.sub, sid: claims.sid, exp: claims.exp };
    },
  };
}

/** Thrown when Latchkey cannot answer for us (our key refused, rate-limited, unreachable). */
export class IntrospectionError extends Error {
  /**
   * @param {string} message
   * @param {number} status        the HTTP status Latchkey answered (0 when unreachable)
   * @param {number | undefined} retryAfter  seconds, when rate-limited
   */
  constructor(message, status, retryAfter) {
    super(message);
    this.name = 'IntrospectionError';
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/**
 * Asks Latchkey about a user's credential with this service's key.
 *
 * @param {object} options
 * @param {string} options.baseUrl     Latchkey's address, e.g. https://accounts.example.com
 * @param {string} options.serviceKey  from `latchkey service add NAME` (keep it out of logs and source control)
 * @returns {{ introspect(subject: { session: string } | { token: string }):
 *   Promise<{ active: false } | { active: true, uuid: string, username: string | null, expires: number }> }}
 */
export function createIntrospectionClient({ baseUrl, serviceKey }) {
  const url = new URL('/api/v1/introspect', baseUrl);
  return {
    async introspect(subject) {
      let res;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${serviceKey}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(subject),
        });
      } catch (err) {
        throw new IntrospectionError(`Latchkey is unreachable: ${err.message}`, 0, undefined);
      }
      const body = await res.json().catch(() => null);
      if (res.ok && body?.ok === true) return body.result;
      const retryAfter = res.headers.has('retry-after') ? Number(res.headers.get('retry-after')) : undefined;
      const reason = body?.error?.message ?? `HTTP ${res.status}`;
      throw new IntrospectionError(`introspection failed (${res.status}): ${reason}`, res.status, retryAfter);
    },
  };
}
