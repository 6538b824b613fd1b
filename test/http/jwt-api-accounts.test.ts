/**
 * The JWT accounts API (README, "The JSON API"), end to end through HTTP with the real argon2id hasher:
 * register, login, me, logout, and the wire format of every answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register } from '../support/jwt-api.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('JWT accounts API (README, "The JSON API") with argon2id', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance();
  });
  after(() => t.close());

  it('registers the README example and answers exactly {"ok":true,"result":{}}', async () => {
    const res = await call(t.app, 'POST', '/api/v1/account/register', {
      json: { username: 'john@API', password: 'honeyBunnies' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"ok":true,"result":{}}');
    assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/);
  });

  it('SEC-15 refuses a taken username with 409, whatever its case or Unicode form', async () => {
    for (const username of ['john@API', 'JOHN@api', 'ｊｏｈｎ@API']) {
      const res = await call(t.app, 'POST', '/api/v1/account/register', { json: { username, password: 'another-password' } });
      assert.equal(res.status, 409, username);
      // One answer for a taken username and a taken email (docs/security.md): no field named.
      assert.deepEqual(res.body, { ok: false, error: { code: 'username_taken', message: 'this username or email address is already in use' } });
    }
  });

  it('SEC-41/45 logs in with the README example and returns an EdDSA access JWT and an opaque refresh token, not cacheable', async () => {
    const res = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'john@API', password: 'honeyBunnies' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['pragma'], 'no-cache');
    assert.deepEqual(Object.keys(res.body), ['ok', 'result']);
    const { access, refresh } = res.body.result.token;
    const { header, payload } = decodeJwt(access);
    assert.equal(header.alg, 'EdDSA');
    assert.equal(header.typ, 'at+jwt');
    assert.equal(typeof header.kid, 'string');
    assert.deepEqual(Object.keys(payload).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
    assert.match(payload.sub, UUID);
    assert.equal(payload.exp - payload.iat, 900, 'access tokens live 15 minutes by default');
    assert.match(refresh, /^[A-Za-z0-9_-]{64}$/, 'refresh token is opaque base64url, not a JWT');
    const raw = Buffer.from(refresh, 'base64url');
    assert.equal(raw.subarray(0, 16).toString('hex'), payload.sid.replaceAll('-', ''), 'it names its session');
    assert.equal(raw.length - 16, 32, 'and carries 256 bits of secret');
  });

  it('SEC-15 logs in case-insensitively and with the NFKC form of the username', async () => {
    await login(t.app, 'JOHN@api', 'honeyBunnies');
    await login(t.app, 'ｊｏｈｎ@API', 'honeyBunnies');
  });

  it('SEC-17 answers an unknown user and a wrong password with the identical 401 body', async () => {
    const wrong = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'john@API', password: 'honeybunnies' } });
    const unknown = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'nobody@API', password: 'honeyBunnies' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.text, unknown.text);
    assert.deepEqual(wrong.body, { ok: false, error: { code: 'invalid_credentials', message: 'invalid username or password' } });
  });

  it('SEC-34 shows the account on /me and nothing secret', async () => {
    const pair = await login(t.app, 'john@API', 'honeyBunnies');
    const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) });
    assert.equal(me.status, 200);
    assert.deepEqual(Object.keys(me.body.result), ['id', 'username', 'email', 'status', 'created', 'emailVerified', 'hasPassword', 'locale']);
    assert.equal(me.body.result.username, 'john@API');
    assert.equal(me.body.result.id, decodeJwt(pair.access).payload.sub);
    assert.equal(me.body.result.status, 'active');
    assert.doesNotMatch(me.text, /argon2|hash/i);
  });

  it('SEC-38 refuses /me without a token, with a refresh token, and with garbage', async () => {
    const pair = await login(t.app, 'john@API', 'honeyBunnies');
    for (const headers of [{}, bearer(pair.refresh), bearer('not-a-token'), { authorization: `Basic ${pair.access}` }]) {
      const res = await call(t.app, 'GET', '/api/v1/account/me', { headers });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'not_authenticated');
    }
  });

  it('SEC-45 ignores an access token sent in the query string', async () => {
    const pair = await login(t.app, 'john@API', 'honeyBunnies');
    const res = await call(t.app, 'GET', `/api/v1/account/me?access_token=${pair.access}`);
    assert.equal(res.status, 401);
  });

  it('SEC-33/40 logs out with DELETE: the access token is refused at once, and so is the refresh token', async () => {
    const pair = await login(t.app, 'john@API', 'honeyBunnies');
    const out = await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: bearer(pair.access) });
    assert.equal(out.status, 200);
    assert.equal(out.text, '{"ok":true,"result":{}}');
    const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) });
    assert.equal(me.status, 401);
    const again = await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: bearer(pair.access) });
    assert.equal(again.status, 401);
    const refreshed = await call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(pair.refresh) });
    assert.equal(refreshed.status, 401);
  });

  it('keeps other sessions alive when one logs out', async () => {
    const a = await login(t.app, 'john@API', 'honeyBunnies');
    const b = await login(t.app, 'john@API', 'honeyBunnies');
    await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: bearer(a.access) });
    const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(b.access) });
    assert.equal(me.status, 200);
  });

  it('SEC-41 stores one session row per login holding only the hash of the refresh token', async () => {
    const pair = await login(t.app, 'john@API', 'honeyBunnies');
    const sid = decodeJwt(pair.access).payload.sid;
    const row = await t.latchkey.database.db.selectFrom('sessions').selectAll().where('id', '=', sid).executeTakeFirstOrThrow();
    assert.equal(row.kind, 'token');
    assert.notEqual(row.secret_hash, pair.refresh);
    assert.equal(row.secret_hash.length, 43);
    const dump = JSON.stringify(await t.latchkey.database.db.selectFrom('sessions').selectAll().execute());
    assert.ok(!dump.includes(pair.refresh), 'the refresh token itself is never stored');
  });

  it('SEC-6 stores the password as an argon2id PHC string with the configured parameters and a random salt', async () => {
    await register(t.app, 'twin-a', 'same password here');
    await register(t.app, 'twin-b', 'same password here');
    const rows = await t.latchkey.database.db
      .selectFrom('accounts')
      .select('password_hash')
      .where('username_key', 'in', ['twin-a', 'twin-b'])
      .execute();
    assert.equal(rows.length, 2);
    for (const r of rows) assert.match(String(r.password_hash), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$/);
    assert.notEqual(rows[0]?.password_hash, rows[1]?.password_hash);
  });

  it('SEC-46 publishes the public signing key as a JWKS with no private part', async () => {
    const res = await call(t.app, 'GET', '/.well-known/jwks.json');
    assert.equal(res.status, 200);
    assert.equal(res.body.keys.length, 1);
    const [key] = res.body.keys;
    assert.equal(key.kty, 'OKP');
    assert.equal(key.crv, 'Ed25519');
    assert.equal(key.alg, 'EdDSA');
    assert.equal(key.d, undefined);
  });

  it('SEC-66 never logs a password or token', async () => {
    const pair = await login(t.app, 'john@API', 'honeyBunnies');
    await call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(pair.refresh) });
    const logs = t.logs.join('\n');
    assert.ok(t.logs.length > 0);
    for (const secret of ['honeyBunnies', pair.refresh, pair.access]) assert.ok(!logs.includes(secret));
  });
});
