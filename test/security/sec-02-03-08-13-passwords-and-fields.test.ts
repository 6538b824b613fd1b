/**
 * SEC-2 (long passwords accepted and never truncated; oversize refused before hashing), SEC-3
 * (verified exactly: spaces and case count), SEC-8 (no expiry, no hints, no security questions)
 * and SEC-13 (no mass assignment) on the JWT API, HTTP Basic and the cookie API, with the real
 * argon2id hasher.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';

const basicAuth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}` });
const jwtLogin = async (t: TestInstance, username: string, password: string) =>
  (await call(t.app, 'POST', '/api/v1/account/login', { json: { username, password } })).status;
const basicLogin = async (t: TestInstance, username: string, password: string) =>
  (await call(t.app, 'GET', '/api/', { headers: basicAuth(username, password) })).status;

/** A 100-character password without common words: its prefixes are fine passwords too. */
const LONG = Array.from({ length: 100 }, (_, i) => 'qZ7#kP2@wM9!xR4$'[i % 16]! + (i % 10)).join('').slice(0, 100);

describe('SEC-2/3 passwords are verified whole and exactly (argon2id)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ env: { LOGIN_IP_FAILURES_PER_MINUTE: '100000', LOGIN_FREE_FAILURES: '50' } });
  });
  after(() => t.close());

  it('SEC-2 JWT API and Basic: a 100-character password works only whole; its first 72 or 99 characters fail', async () => {
    assert.equal(LONG.length, 100);
    await register(t.app, 'longpw', LONG);
    const created = await call(t.app, 'POST', '/api/account', { json: { username: 'longpw@example.com', password: LONG, email: 'longpw@example.com' } });
    assert.equal(created.status, 201, created.text);
    for (const [name, attempt, user] of [
      ['jwt', jwtLogin, 'longpw'],
      ['basic', basicLogin, 'longpw@example.com'],
    ] as const) {
      assert.equal(await attempt(t, user, LONG), 200, `${name}: the whole password`);
      assert.equal(await attempt(t, user, LONG.slice(0, 72)), 401, `${name}: first 72 (bcrypt's limit)`);
      assert.equal(await attempt(t, user, LONG.slice(0, 99)), 401, `${name}: first 99`);
      assert.equal(await attempt(t, user, `${LONG}x`), 401, `${name}: one more character`);
    }
  });

  it('SEC-2 a 100,000-character password is refused with a 4xx before any hash, never 500', async () => {
    const huge = 'a'.repeat(100_000);
    const timings: number[] = [];
    for (const [method, url, options] of [
      ['POST', '/api/v1/account/register', { json: { username: 'huge', password: huge } }],
      ['POST', '/api/v1/account/login', { json: { username: 'longpw', password: huge } }],
      ['POST', '/accounts/action/?do=login', { json: { username: 'longpw', password: huge } }],
      ['POST', '/api/account', { json: { username: 'huge@example.com', password: huge, email: 'huge@example.com' } }],
      ['GET', '/api/', { headers: basicAuth('longpw@example.com', 'a'.repeat(6000)) }],
    ] as const) {
      const started = performance.now();
      const res = await call(t.app, method, url, options as Parameters<typeof call>[3]);
      timings.push(performance.now() - started);
      assert.ok([400, 401, 413, 431].includes(res.status), `${url}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.ok(res.body === undefined || typeof res.body === 'object');
    }
    timings.sort((a, b) => a - b);
    // An argon2id hash at the floor parameters takes well over 50 ms here; these never hash.
    assert.ok(timings[2]! < 50, `median ${timings[2]!.toFixed(1)} ms`);
  });

  it('SEC-3 leading and trailing spaces count, and so does the case of every character', async () => {
    const spaced = '  correct horse battery staple x  ';
    await register(t.app, 'spaces', spaced);
    assert.equal(await jwtLogin(t, 'spaces', spaced), 200);
    assert.equal(await jwtLogin(t, 'spaces', spaced.trim()), 401, 'trimmed');
    assert.equal(await jwtLogin(t, 'spaces', ` ${spaced.trim()} `), 401, 'fewer spaces');
    assert.equal(await jwtLogin(t, 'spaces', spaced.replace('c', 'C')), 401, 'one character upper-cased');
    const created = await call(t.app, 'POST', '/api/account', { json: { username: 'spaces@example.com', password: spaced, email: 'spaces@example.com' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(await basicLogin(t, 'spaces@example.com', spaced), 200);
    assert.equal(await basicLogin(t, 'spaces@example.com', spaced.trim()), 401);
    assert.equal(await basicLogin(t, 'spaces@example.com', spaced.toUpperCase()), 401);
  });
});

describe('SEC-8 no expiry, no hints, no security questions', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance(); // argon2id: a real login 400 days later
  });
  after(() => t.close());

  it('SEC-8 400 days later the password still logs in on every surface, with no forced change', async () => {
    await register(t.app, 'patient', 'a password set long ago');
    const created = await call(t.app, 'POST', '/api/account', { json: { username: 'patient@example.com', password: 'a password set long ago', email: 'patient@example.com' } });
    assert.equal(created.status, 201);
    const fresh = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'patient', password: 'a password set long ago' } });
    t.clock.advance(400 * 24 * 3600 * 1000);
    const later = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'patient', password: 'a password set long ago' } });
    assert.equal(later.status, 200, later.text);
    assert.deepEqual(Object.keys(later.body.result).sort(), Object.keys(fresh.body.result).sort(), 'the same answer as on day one: nothing asks for a change');
    assert.equal(await basicLogin(t, 'patient@example.com', 'a password set long ago'), 200);
    const cookie = await call(t.app, 'POST', '/accounts/action/?do=login', { json: { username: 'patient', password: 'a password set long ago' } });
    assert.equal(cookie.status, 200);
    const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(later.body.result.token.access) });
    assert.equal(me.status, 200);
    assert.doesNotMatch(me.text, /hint|question|expire|must_change|mustChange/i);
  });

  it('SEC-8 a hint or security-question field is refused at registration on every API', async () => {
    for (const extra of [{ hint: 'my dog' }, { security_question: 'first pet?', security_answer: 'rex' }, { password_hint: 'dog' }]) {
      const jwt = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'hinted', password: 'a fine passphrase here', ...extra } });
      assert.equal(jwt.status, 400, `jwt ${JSON.stringify(extra)}: ${jwt.text}`);
      const basic = await call(t.app, 'POST', '/api/account', { json: { username: 'hinted@example.com', password: 'a fine passphrase here', email: 'hinted@example.com', ...extra } });
      assert.equal(basic.status, 400, `basic ${JSON.stringify(extra)}: ${basic.text}`);
      const cookie = await call(t.app, 'POST', '/accounts/action/?do=create', { json: { email: 'hinted@example.com', ...extra } });
      assert.equal(cookie.status, 400, `cookie ${JSON.stringify(extra)}: ${cookie.text}`);
    }
    assert.equal(await jwtLogin(t, 'hinted', 'a fine passphrase here'), 401, 'nothing was created');
  });
});

describe('SEC-13 no mass assignment on any sign-up path', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  const privileged = [
    { is_staff: true },
    { uuid: '00000000-0000-4000-8000-000000000000' },
    { id: '00000000-0000-4000-8000-000000000000' },
    { email_verified: true },
    { status: 'active' },
    { password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA' },
  ];

  it('SEC-13 JWT, Basic and cookie-API sign-up refuse privileged fields with 400 and create nothing', async () => {
    for (const extra of privileged) {
      const jwt = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'mass', password: 'a fine passphrase here', ...extra } });
      assert.equal(jwt.status, 400, `jwt ${JSON.stringify(extra)}`);
      const basic = await call(t.app, 'POST', '/api/account', { json: { username: 'mass@example.com', password: 'a fine passphrase here', email: 'mass@example.com', ...extra } });
      assert.equal(basic.status, 400, `basic ${JSON.stringify(extra)}`);
      const cookie = await call(t.app, 'POST', '/accounts/action/?do=create', { json: { email: 'mass@example.com', ...extra } });
      assert.equal(cookie.status, 400, `cookie ${JSON.stringify(extra)}`);
    }
    assert.equal(await jwtLogin(t, 'mass', 'a fine passphrase here'), 401);
    assert.equal(await basicLogin(t, 'mass@example.com', 'a fine passphrase here'), 401);
    // A clean registration afterwards gets a fresh random id, not the one offered.
    await register(t.app, 'mass', 'a fine passphrase here');
    const pair = await login(t.app, 'mass', 'a fine passphrase here');
    const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) });
    assert.notEqual(me.body.result.user?.id ?? me.body.result.id, '00000000-0000-4000-8000-000000000000');
  });

  it('SEC-13 the signup page ignores fields it does not know: the account is created pending, as usual', async () => {
    const form = await t.app.inject({ method: 'GET', url: '/signup' });
    const cookie = String(form.headers['set-cookie'] ?? '').split(';')[0]!;
    const csrf = /name="csrf" value="([^"]*)"/.exec(form.body)?.[1] ?? '';
    const res = await t.app.inject({
      method: 'POST',
      url: '/signup',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', cookie },
      payload: new URLSearchParams({ csrf, email: 'page-mass@example.com', is_staff: 'true', status: 'active', email_verified: 'true' }).toString(),
    });
    assert.ok(res.statusCode < 500, String(res.statusCode));
    // Whatever the page answered, no active account exists: a login with any password fails generically.
    assert.equal(await jwtLogin(t, 'page-mass@example.com', 'a fine passphrase here'), 401);
  });
});
