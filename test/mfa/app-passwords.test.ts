/**
 * App passwords on the HTTP Basic API: an account with TOTP makes one (password and code), a
 * Basic client checks credentials with it on GET /api/, and nothing else accepts it; the real
 * password is refused on Basic with `mfa_required`; a revoked app password stops working.
 * SQLite, and PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register, type Pair } from '../support/jwt-api.js';
import { codeAt, enrolTotp, type Enrolled } from './helpers.js';

const PASSWORD = 'app password owner password';

function basic(t: TestInstance, method: 'GET' | 'DELETE' | 'POST', url: string, secret: string, json?: object) {
  const headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`alice:${secret}`).toString('base64')}` };
  return call(t.app, method, url, json ? { headers, json } : { headers });
}

describe('app passwords for HTTP Basic clients', () => {
  let t: TestInstance;
  let pair: Pair;
  let enrolled: Enrolled;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await register(t.app, 'alice', PASSWORD);
    pair = await login(t.app, 'alice', PASSWORD);
    enrolled = await enrolTotp(t.app, t.clock, pair, PASSWORD);
  });
  after(() => t.close());

  const make = (json: object) => call(t.app, 'POST', '/api/v1/account/app-passwords', { json, headers: bearer(pair.access) });

  it('the real password is refused on Basic with a clear error once a second factor is on', async () => {
    const res = await basic(t, 'GET', '/api/', PASSWORD);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'mfa_required');
    assert.match(res.body.message, /second factor/);
  });

  it('an app password checks credentials on GET /api/ and opens nothing else', async () => {
    assert.equal((await make({ name: 'mail client', password: PASSWORD })).body.error.code, 'invalid_credentials', 'a code is needed too');
    t.clock.advance(30_000);
    const made = await make({ name: 'mail client', password: PASSWORD, code: codeAt(enrolled.secret, t.clock) });
    assert.equal(made.status, 200, made.text);
    const secret = made.body.result.password as string;
    assert.match(secret, /^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/);
    const check = await basic(t, 'GET', '/api/', secret);
    assert.equal(check.status, 200, check.text);
    assert.equal(check.body.username, 'alice');
    assert.equal((await basic(t, 'GET', '/api/', secret.replace(/-/g, '').toUpperCase())).status, 200, 'typed without dashes, in capitals');
    assert.equal((await basic(t, 'DELETE', '/api/account', secret)).status, 401, 'deleting needs the real password and the factor');
    assert.equal((await basic(t, 'POST', '/api/account/pw/change', secret, { username: 'alice', password: 'a brand new password' })).status, 401);
    assert.equal((await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'alice', password: secret } })).status, 401, 'not a login password');
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 200, 'the account is still there');
    const listed = await call(t.app, 'GET', '/api/v1/account/app-passwords', { headers: bearer(pair.access) });
    assert.equal(listed.body.result.appPasswords.length, 1);
    assert.equal(listed.body.result.appPasswords[0].name, 'mail client');
    assert.notEqual(listed.body.result.appPasswords[0].lastUsed, null);
    assert.ok(!listed.text.includes(secret.slice(0, 9)), 'the list never shows the secret');
  });

  it('a revoked app password stops working', async () => {
    t.clock.advance(30_000);
    const made = await make({ name: 'old phone', password: PASSWORD, code: codeAt(enrolled.secret, t.clock) });
    const secret = made.body.result.password as string;
    assert.equal((await basic(t, 'GET', '/api/', secret)).status, 200);
    t.clock.advance(30_000);
    const url = `/api/v1/account/app-passwords/${made.body.result.appPassword.id}/revoke`;
    const revoked = await call(t.app, 'POST', url, { json: { password: PASSWORD, code: codeAt(enrolled.secret, t.clock) }, headers: bearer(pair.access) });
    assert.equal(revoked.status, 200, revoked.text);
    assert.equal((await basic(t, 'GET', '/api/', secret)).status, 401);
    const again = await call(t.app, 'POST', url, { json: { password: PASSWORD, code: codeAt(enrolled.secret, t.clock, 1) }, headers: bearer(pair.access) });
    assert.equal(again.status, 404);
  });
});
