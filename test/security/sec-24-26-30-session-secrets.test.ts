/**
 * SEC-24 (session ids: 256-bit CSPRNG, opaque, unique, no PII), SEC-26 (a CSRF token from before
 * the login is useless after it) and SEC-30 (a request carrying a cookie is a cookie request and
 * CSRF-checked, whatever Authorization it also sends; bearer requests need no CSRF token), on the
 * cookie API, the hosted pages, the JWT API and HTTP Basic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar, findSetCookie } from '../support/cookie-jar.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login } from '../support/jwt-api.js';
import { action, loginJar } from '../cookie/helpers.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';

const PASSWORD = 'correct horse battery';
const USER = 'alice@example.com';
const basicAuth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

/** Asserts the opaque-secret properties of SEC-24 on a set of base64url secrets. */
function assertOpaqueSecrets(kind: string, secrets: string[], started: number): void {
  assert.equal(new Set(secrets).size, secrets.length, `${kind}: every value is unique`);
  const seconds = String(Math.floor(started / 1000)).slice(0, 7);
  const millis = String(started).slice(0, 8);
  for (const s of secrets) {
    assert.match(s, /^[A-Za-z0-9_-]+$/, `${kind}: base64url`);
    const raw = Buffer.from(s, 'base64url');
    assert.ok(raw.length >= 16, `${kind}: ${raw.length} bytes decoded, at least 16 (128 bits) required`);
    const latin = raw.toString('latin1').toLowerCase();
    assert.ok(!latin.includes('alice') && !latin.includes('example.com'), `${kind}: no username or email inside`);
    assert.ok(!latin.includes(seconds) && !latin.includes(millis), `${kind}: no timestamp inside`);
  }
  // A counter or a clock would make values share a long prefix; random ones do not.
  const prefixes = new Set(secrets.map((s) => s.slice(0, 6)));
  assert.ok(prefixes.size > secrets.length * 0.99, `${kind}: values share prefixes (${prefixes.size} of ${secrets.length})`);
}

/**
 * Roughly half the bits set across all values: no fixed or zero-padded parts. `tolerance` is
 * several standard deviations of the share for the number of bits given (0.5/sqrt(bits)).
 */
function assertBitsBalanced(kind: string, values: Buffer[], tolerance = 0.01): void {
  let ones = 0;
  let bits = 0;
  for (const value of values) {
    for (const byte of value) {
      for (let b = byte; b; b >>= 1) ones += b & 1;
      bits += 8;
    }
  }
  assert.ok(Math.abs(ones / bits - 0.5) < tolerance, `${kind}: ${(ones / bits).toFixed(4)} of the bits set`);
}

/**
 * The refresh token's layout (docs/decisions.md, "A refresh token names its session" and
 * "Refresh tokens carry their generation"; src/core/tokens/refresh-secret.ts): 64 base64url
 * characters decoding to 48 bytes,
 *
 *   session id (16, random, not secret: the access token's sid)
 *   | generation (4, big-endian counter: 0 at login) | nonce (16, random at login) | tag (12, keyed HMAC)
 *
 * The secret part (the last 32 bytes) holds 128 bits from the CSPRNG (the nonce) and a 96-bit
 * tag nobody can compute without the server key; the generation is its only structured field.
 */
function refreshParts(token: string) {
  const raw = Buffer.from(token, 'base64url');
  assert.equal(raw.length, 48, `refresh token: ${raw.length} bytes decoded, 48 expected`);
  return { sessionId: raw.subarray(0, 16), generation: raw.readUInt32BE(16), nonce: raw.subarray(20, 36), tag: raw.subarray(36, 48) };
}

describe('SEC-24 session secrets are 256-bit random values without personal data', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { LOGIN_IP_FAILURES_PER_MINUTE: '100000' } });
    await t.service.registerAccount({ username: USER, password: PASSWORD, email: USER });
  });
  after(() => t.close());

  it('SEC-24 1,000 cookie logins give 1,000 distinct opaque session ids and CSRF tokens of at least 128 bits', async () => {
    const started = Date.now();
    const sessions: string[] = [];
    const csrf: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const res = await call(t.app, 'POST', '/accounts/action/?do=login', { json: { username: USER, password: PASSWORD } });
      assert.equal(res.status, 200);
      sessions.push(findSetCookie(res, 'sessionid')!.value);
      csrf.push(findSetCookie(res, 'csrftoken')!.value);
    }
    assertOpaqueSecrets('sessionid', sessions, started);
    assertOpaqueSecrets('csrftoken', csrf, started);
    assertBitsBalanced('sessionid', sessions.map((s) => Buffer.from(s, 'base64url')));
    assertBitsBalanced('csrftoken', csrf.map((s) => Buffer.from(s, 'base64url')));
    assert.equal(new Set([...sessions, ...csrf]).size, 2000, 'no CSRF token equals a session id');
  });

  it('SEC-24 JWT-API refresh tokens are opaque and unique: a random session id, then a generation, a 128-bit random nonce and a keyed tag', async () => {
    const started = Date.now();
    const pairs: { access: string; refresh: string }[] = [];
    for (let i = 0; i < 300; i++) pairs.push(await login(t.app, USER, PASSWORD));
    const refresh = pairs.map((p) => p.refresh);
    assertOpaqueSecrets('refresh token', refresh, started);
    assert.ok(refresh.every((r) => r.length === 64), 'every refresh token has 64 characters');
    const parts = refresh.map(refreshParts);
    // The generation is the only structured field: 0 for every login, one more per refresh.
    assert.deepEqual(new Set(parts.map((p) => p.generation)), new Set([0]), 'a login starts its chain at generation 0');
    for (const field of ['sessionId', 'nonce', 'tag'] as const) {
      const values = parts.map((p) => p[field]);
      assert.equal(new Set(values.map((v) => v.toString('hex'))).size, values.length, `${field}: unique in every token`);
      // 300 values of 12-16 bytes: 0.02 is about 7 standard deviations of the share of ones.
      assertBitsBalanced(`refresh token ${field}`, values, 0.02);
    }
    assertBitsBalanced('refresh token without its generation', parts.map((p) => Buffer.concat([p.sessionId, p.nonce, p.tag])));
    const secrets = parts.map((p) => Buffer.concat([p.nonce, p.tag]).toString('hex'));
    assert.equal(new Set(secrets).size, secrets.length, 'no two logins share a secret');

    // The latest login (the per-account session cap has ended the earliest ones).
    const last = parts[parts.length - 1]!;
    const rotated = await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: refresh[refresh.length - 1] } });
    assert.equal(rotated.status, 200, rotated.text);
    const next = refreshParts(rotated.body.result.token.refresh as string);
    assert.ok(next.sessionId.equals(last.sessionId), 'a refresh keeps the session id');
    assert.equal(next.generation, 1, 'and counts the generation up by one');
    assert.ok(!next.nonce.equals(last.nonce) && !next.tag.equals(last.tag), 'with a new nonce and tag');
  });
});

describe('SEC-26/30 CSRF tokens and mixed credentials (argon2id)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance(); // the real argon2id hasher for these login flows
    await t.service.registerAccount({ username: USER, password: PASSWORD, email: USER });
  });
  after(() => t.close());

  it('SEC-26 a csrftoken planted or held before the login is refused after it (403), and the new one works', async () => {
    const jar = new CookieJar().set('csrftoken', 'planted-before-login-0123456789abcdefghijk');
    const before = jar.get('csrftoken')!;
    const res = await action(t.app, jar, 'login', { username: USER, password: PASSWORD });
    assert.equal(res.status, 200);
    assert.notEqual(jar.get('csrftoken'), before, 'the login sets a new csrftoken');
    // An attacker who fixed the old value sends it both as cookie and header.
    const fixed = jar.clone().set('csrftoken', before);
    const refused = await action(t.app, fixed, 'logout', {}, { 'x-csrftoken': before });
    assert.equal(refused.status, 403);
    assert.equal((await action(t.app, jar.clone(), 'check_login')).status, 200, 'the session survived');
    const out = await action(t.app, jar, 'logout', {}, { 'x-csrftoken': jar.get('csrftoken')! });
    assert.equal(out.status, 200);
  });

  it('SEC-26 the login form token of a page is not the account CSRF token after the login', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    const preLogin = hiddenField(form.text, 'csrf');
    const res = await postForm(t.app, jar, '/login', { csrf: preLogin, username: USER, password: PASSWORD });
    assert.equal(res.status, 303, res.text);
    const refused = await postForm(t.app, jar.clone(), '/logout', { csrf: preLogin });
    assert.equal(refused.status, 403);
    assert.equal((await getPage(t.app, jar.clone(), '/account')).status, 200, 'still logged in');
    assert.notEqual(jar.get('csrftoken'), preLogin);
  });

  it('SEC-30 cookie API: a session cookie plus a garbage or valid Authorization header and no CSRF token is refused (403)', async () => {
    const jar = await loginJar(t.app, USER, PASSWORD);
    const pair = await login(t.app, USER, PASSWORD);
    for (const [name, headers] of [
      ['garbage bearer', { authorization: 'Bearer garbage.garbage.garbage' }],
      ['valid bearer', bearer(pair.access)],
      ['valid Basic', basicAuth(USER, PASSWORD)],
    ] as Array<[string, Record<string, string>]>) {
      const res = await action(t.app, jar.clone(), 'logout', {}, headers);
      assert.equal(res.status, 403, name);
      assert.equal(findSetCookie(res, 'sessionid'), undefined, name);
    }
    assert.equal((await action(t.app, jar.clone(), 'check_login')).status, 200, 'never acted on');
  });

  it('SEC-30 hosted pages: a session cookie plus an Authorization header and no CSRF token is refused (403)', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    assert.equal((await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: USER, password: PASSWORD })).status, 303);
    const pair = await login(t.app, USER, PASSWORD);
    for (const headers of [{ authorization: 'Bearer garbage' }, bearer(pair.access), basicAuth(USER, PASSWORD)]) {
      const res = await postForm(t.app, jar.clone(), '/logout', {}, headers);
      assert.equal(res.status, 403, headers.authorization);
      const change = await postForm(t.app, jar.clone(), '/account/password', { current_password: PASSWORD, password: 'another fine passphrase', password_confirm: 'another fine passphrase' }, headers);
      assert.equal(change.status, 403, headers.authorization);
    }
    assert.equal((await getPage(t.app, jar.clone(), '/account')).status, 200, 'never acted on');
  });

  it('SEC-30 JWT API: a cookie is never a credential; garbage bearer plus a live cookie is 401; a valid bearer needs no CSRF token', async () => {
    const jar = await loginJar(t.app, USER, PASSWORD);
    const cookieOnly = await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: jar.headers() });
    assert.equal(cookieOnly.status, 401);
    const garbage = await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: { ...jar.headers(), authorization: 'Bearer garbage' } });
    assert.equal(garbage.status, 401);
    const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: jar.headers() });
    assert.equal(me.status, 401);
    assert.equal((await action(t.app, jar.clone(), 'check_login')).status, 200, 'the cookie session was not touched');
    const pair = await login(t.app, USER, PASSWORD);
    const out = await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: bearer(pair.access) });
    assert.equal(out.status, 200, 'bearer requests carry no ambient authority and need no CSRF token');
  });

  it('SEC-30 HTTP Basic: a session cookie is not a credential there (401), and cross-site Basic changes stay refused', async () => {
    const jar = await loginJar(t.app, USER, PASSWORD);
    const change = await call(t.app, 'POST', '/api/account/pw/change', {
      headers: jar.headers(),
      json: { username: USER, password: 'another fine passphrase' },
    });
    assert.equal(change.status, 401);
    const del = await call(t.app, 'DELETE', '/api/account', { headers: { ...jar.headers(), authorization: 'Basic garbage' } });
    assert.equal(del.status, 401);
    assert.equal((await call(t.app, 'GET', '/api/', { headers: basicAuth(USER, PASSWORD) })).status, 200, 'the account is untouched');
  });
});
