/**
 * The JWT forgery corpus (docs/security.md, SEC-35 to SEC-39): only EdDSA tokens signed by one of our own keys,
 * with our issuer, the access-token type, a live session and an unexpired `exp` are accepted.
 */
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register } from '../support/jwt-api.js';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT forgery corpus', () => {
  let t: TestInstance;
  let realKey: KeyObject;
  let kid: string;
  let publicX: string;
  let valid: { header: any; payload: any; token: string };

  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await register(t.app, 'victim', 'victim-password');
    const pair = await login(t.app, 'victim', 'victim-password');
    valid = { ...decodeJwt(pair.access), token: pair.access };
    const row = await t.latchkey.database.db.selectFrom('signing_keys').selectAll().executeTakeFirstOrThrow();
    kid = row.kid;
    realKey = createPrivateKey({ key: JSON.parse(row.private_jwk), format: 'jwk' });
    publicX = JSON.parse(row.public_jwk).x;
  });
  after(() => t.close());

  const meStatus = async (token: string): Promise<number> =>
    (await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(token) })).status;

  function sign(key: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', ...header }).sign(key);
  }

  it('accepts the genuine token (control)', async () => {
    assert.equal(await meStatus(valid.token), 200);
    assert.equal(await meStatus(await sign(realKey, valid.header, valid.payload)), 200);
  });

  it('SEC-35 refuses alg "none", a null alg and a missing alg', async () => {
    for (const header of [
      { ...valid.header, alg: 'none' },
      { ...valid.header, alg: null },
      { typ: 'at+jwt', kid },
      {},
    ]) {
      assert.equal(await meStatus(`${b64(header)}.${b64(valid.payload)}.`), 401, JSON.stringify(header));
    }
  });

  it('SEC-35 refuses HS256 signed with the server public key (key confusion)', async () => {
    const header = { alg: 'HS256', typ: 'at+jwt', kid };
    const input = `${b64(header)}.${b64(valid.payload)}`;
    for (const secret of [Buffer.from(publicX, 'base64url'), Buffer.from(publicX)]) {
      const sig = createHmac('sha256', secret).update(input).digest('base64url');
      assert.equal(await meStatus(`${input}.${sig}`), 401);
    }
  });

  it('SEC-35 refuses a tampered payload and a tampered signature', async () => {
    const [h, , s] = valid.token.split('.');
    const other = { ...valid.payload, sub: randomUUID() };
    assert.equal(await meStatus(`${h}.${b64(other)}.${s}`), 401);
    const flipped = s!.slice(0, 10) + (s![10] === 'A' ? 'B' : 'A') + s!.slice(11);
    assert.equal(await meStatus(`${h}.${valid.token.split('.')[1]}.${flipped}`), 401);
  });

  it('SEC-36 never trusts key material or kid tricks from the header', async () => {
    const attacker = generateKeyPairSync('ed25519');
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    for (const header of [
      { typ: 'at+jwt', kid: randomUUID() },
      { typ: 'at+jwt', kid, jwk },
      { typ: 'at+jwt', jwk },
      { typ: 'at+jwt', kid: '../../../../dev/null' },
      { typ: 'at+jwt', kid: "' OR '1'='1" },
      { typ: 'at+jwt', kid, jku: 'http://127.0.0.1:9/jwks.json' },
    ]) {
      assert.equal(await meStatus(await sign(attacker.privateKey, header, valid.payload)), 401, JSON.stringify(header));
    }
  });

  it('SEC-37 refuses an expired token and one not yet valid', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    assert.equal(await meStatus(await sign(realKey, valid.header, { ...valid.payload, iat: now - 1000, exp: now - 1 })), 401);
    assert.equal(await meStatus(await sign(realKey, valid.header, { ...valid.payload, nbf: now + 3600 })), 401);
  });

  it('SEC-38 refuses another issuer, another type and a missing kid, even when signed with our key', async () => {
    assert.equal(await meStatus(await sign(realKey, valid.header, { ...valid.payload, iss: 'https://evil.example' })), 401);
    assert.equal(await meStatus(await sign(realKey, { ...valid.header, typ: 'JWT' }, valid.payload)), 401);
    assert.equal(await meStatus(await sign(realKey, { typ: 'at+jwt' }, valid.payload)), 401);
    const { sid: _sid, ...noSid } = valid.payload;
    assert.equal(await meStatus(await sign(realKey, valid.header, noSid)), 401);
  });

  it('SEC-40 refuses a well-signed token whose session does not exist or belongs to someone else', async () => {
    assert.equal(await meStatus(await sign(realKey, valid.header, { ...valid.payload, sid: randomUUID() })), 401);
    assert.equal(await meStatus(await sign(realKey, valid.header, { ...valid.payload, sub: randomUUID() })), 401);
  });

  it('SEC-39 carries only the account UUID as subject and no personal data', () => {
    assert.match(valid.payload.sub, /^[0-9a-f-]{36}$/);
    assert.ok(!JSON.stringify(valid.payload).includes('victim'));
  });
});
