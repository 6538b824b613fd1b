/**
 * The cookie API's second step: `do=login` of an account with TOTP answers `401 mfa_required`
 * and sets no cookie; `do=login_mfa` with the token and a code sets the same session and CSRF
 * cookies a password login sets. SQLite, and PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { action } from '../cookie/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';
import { codeAt, enrolTotp, type Enrolled } from './helpers.js';

const PASSWORD = 'cookie second factor password';

describe('the second step on the cookie API', () => {
  let t: TestInstance;
  let enrolled: Enrolled;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await register(t.app, 'alice', PASSWORD);
    enrolled = await enrolTotp(t.app, t.clock, await login(t.app, 'alice', PASSWORD), PASSWORD);
    t.clock.advance(30_000);
  });
  after(() => t.close());

  it('login answers mfa_required without cookies; login_mfa with a code sets the session cookies', async () => {
    const jar = new CookieJar();
    const first = await action(t.app, jar, 'login', { username: 'alice', password: PASSWORD });
    assert.equal(first.status, 401);
    assert.equal(first.body.error.code, 'mfa_required');
    assert.equal(first.headers['set-cookie'], undefined, 'no session before the second step');
    assert.equal((await action(t.app, jar, 'check_login')).status, 401);
    const done = await action(t.app, jar, 'login_mfa', { mfaToken: first.body.error.mfaToken, code: codeAt(enrolled.secret, t.clock) });
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(done.body, {});
    const uuid = await action(t.app, jar, 'check_login_with_return_uuid');
    assert.equal(uuid.status, 200);
    assert.match(uuid.body.uuid, /^[0-9a-f-]{36}$/);
  });

  it('a wrong code, a used token and a token of the JWT API are refused', async () => {
    const jar = new CookieJar();
    const first = await action(t.app, jar, 'login', { username: 'alice', password: PASSWORD });
    const token = first.body.error.mfaToken as string;
    assert.equal((await action(t.app, jar, 'login_mfa', { mfaToken: token, code: '000000' })).body.error.code, 'invalid_credentials');
    assert.equal((await action(t.app, jar, 'login_mfa', { mfaToken: token })).status, 400);
    t.clock.advance(30_000);
    assert.equal((await action(t.app, jar, 'login_mfa', { mfaToken: token, code: codeAt(enrolled.secret, t.clock) })).status, 200);
    assert.equal((await action(t.app, jar, 'login_mfa', { mfaToken: token, code: codeAt(enrolled.secret, t.clock, 1) })).body.error.code, 'invalid_token');
    const jwt = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'alice', password: PASSWORD } });
    const jwtToken = JSON.parse(jwt.body).error.mfaToken as string;
    const crossed = await action(t.app, new CookieJar(), 'login_mfa', { mfaToken: jwtToken, code: codeAt(enrolled.secret, t.clock, 1) });
    assert.equal(crossed.body.error.code, 'invalid_token', 'a step begun on the JWT API does not finish on the cookie API');
  });
});
