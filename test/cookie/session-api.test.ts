/**
 * The cookie-session API (README, "The cookie-session API") (login, logout, check_login, check_login_with_return_uuid)
 * through HTTP with a cookie jar: cookie attributes, fixation, CSRF, expiry and the cookie API's curl form.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar, findSetCookie } from '../support/cookie-jar.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { action, loginJar } from './helpers.js';

const PASSWORD = 'correct horse battery';

describe('cookie-session API (README, "The cookie-session API"): login and cookies', () => {
  let t: TestInstance;
  let uuid: string;
  before(async () => {
    t = await createTestInstance(); // real argon2id for this flow
    uuid = (await t.service.registerAccount({ username: 'alice@example.com', password: PASSWORD, email: 'alice@example.com' })).id;
  });
  after(() => t.close());

  it('SEC-27 logs in with 200, a {} JSON body and the two cookies with their attributes', async () => {
    const jar = new CookieJar();
    const res = await action(t.app, jar, 'login', { username: 'alice@example.com', password: PASSWORD });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{}');
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    const session = findSetCookie(res, 'sessionid');
    const csrf = findSetCookie(res, 'csrftoken');
    assert.ok(session && csrf);
    assert.match(session.value, /^[A-Za-z0-9_-]{43,}$/);
    assert.deepEqual(session.attributes, { 'max-age': '1209600', path: '/', httponly: true, samesite: 'Lax' });
    assert.deepEqual(csrf.attributes, { 'max-age': '1209600', path: '/', samesite: 'Lax' });
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('SEC-17 answers every login failure with 401 and the same bytes', async () => {
    const bodies = [
      { username: 'alice@example.com', password: 'wrong password!' },
      { username: 'nobody@example.com', password: PASSWORD },
      { username: 'alice@example.com' },
      { username: ['alice@example.com'], password: PASSWORD },
      {},
    ];
    const texts = new Set<string>();
    for (const body of bodies) {
      const jar = new CookieJar();
      const res = await action(t.app, jar, 'login', body);
      assert.equal(res.status, 401, JSON.stringify(body));
      assert.equal(findSetCookie(res, 'sessionid'), undefined);
      texts.add(res.text);
    }
    assert.deepEqual([...texts], ['{"error":{"code":"invalid_credentials","message":"invalid username or password"}}']);
  });

  it('SEC-25 issues a new session id at login even when the client sends one, and rejects ids it never issued', async () => {
    const jar = new CookieJar().set('sessionid', 'attacker123').set('csrftoken', 'attackercsrf');
    const res = await action(t.app, jar, 'login', { username: 'alice@example.com', password: PASSWORD });
    assert.equal(res.status, 200);
    assert.notEqual(findSetCookie(res, 'sessionid')?.value, 'attacker123');
    assert.notEqual(findSetCookie(res, 'csrftoken')?.value, 'attackercsrf');
    const planted = await action(t.app, new CookieJar().set('sessionid', 'attacker123'), 'check_login');
    assert.equal(planted.status, 401);
  });

  it('SEC-26 gives every login its own CSRF token', async () => {
    const a = await loginJar(t.app, 'alice@example.com', PASSWORD);
    const b = await loginJar(t.app, 'alice@example.com', PASSWORD);
    assert.notEqual(a.get('csrftoken'), b.get('csrftoken'));
    assert.notEqual(a.get('sessionid'), b.get('sessionid'));
  });

  it('SEC-34 check_login answers 200 with a live session and 401 without one', async () => {
    const jar = await loginJar(t.app, 'alice@example.com', PASSWORD);
    const ok = await action(t.app, jar, 'check_login');
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '{}');
    const none = await action(t.app, new CookieJar(), 'check_login');
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, { error: { code: 'not_authenticated', message: 'not logged in' } });
  });

  it("check_login_with_return_uuid works in the cookie API's exact curl form and returns only the uuid", async () => {
    const jar = await loginJar(t.app, 'alice@example.com', PASSWORD);
    const res = await t.app.inject({
      method: 'POST',
      url: '/accounts/action/?do=check_login_with_return_uuid',
      headers: {
        cookie: `csrftoken=${jar.get('csrftoken')}; sessionid=${jar.get('sessionid')}`,
        referer: '',
        'content-type': 'application/json',
      },
      payload: '{"username": "email", "password":"passwd"}',
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(res.body), { uuid });
    assert.equal(res.headers['cache-control'], 'no-store');
    const anonymous = await action(t.app, new CookieJar(), 'check_login_with_return_uuid', { username: 'email', password: 'passwd' });
    assert.equal(anonymous.status, 401);
  });

  it('SEC-29 refuses login from another site: foreign Origin or Sec-Fetch-Site cross-site', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { referer: 'https://evil.example/x' }] as Array<Record<string, string>>) {
      const jar = new CookieJar();
      const res = await action(t.app, jar, 'login', { username: 'alice@example.com', password: PASSWORD }, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(jar.get('sessionid'), undefined);
    }
    const sameSite = await action(t.app, new CookieJar(), 'login', { username: 'alice@example.com', password: PASSWORD }, {
      origin: 'http://localhost:3000',
      'sec-fetch-site': 'same-origin',
    });
    assert.equal(sameSite.status, 200);
  });

  it('SEC-28/29 refuses a text/plain login body with 415 (a CORS-simple request)', async () => {
    const res = await call(t.app, 'POST', '/accounts/action/?do=login', {
      payload: JSON.stringify({ username: 'alice@example.com', password: PASSWORD }),
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(res.status, 415);
    assert.equal(res.body.error.code, 'unsupported_media_type');
  });
});

describe('cookie-session API (README, "The cookie-session API"): logout and CSRF', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await t.service.registerAccount({ username: 'bob@example.com', password: PASSWORD });
  });
  after(() => t.close());

  it('SEC-28 refuses a logout without a valid CSRF proof with 403 and the session keeps working', async () => {
    const jar = await loginJar(t.app, 'bob@example.com', PASSWORD);
    const other = await loginJar(t.app, 'bob@example.com', PASSWORD);
    const token = jar.get('csrftoken')!;
    const cases: Array<{ name: string; headers: Record<string, string>; jar?: CookieJar; status: number }> = [
      { name: 'no token', headers: {}, status: 403 },
      { name: 'wrong token', headers: { 'x-csrftoken': 'x'.repeat(43) }, status: 403 },
      { name: 'wrong token equal to a forged cookie', headers: { 'x-csrftoken': 'forged' }, jar: jar.clone().set('csrftoken', 'forged'), status: 403 },
      { name: "another session's token", headers: { 'x-csrftoken': other.get('csrftoken')! }, jar: jar.clone().set('csrftoken', other.get('csrftoken')!), status: 403 },
      { name: 'right token but foreign Origin', headers: { 'x-csrftoken': token, origin: 'https://evil.example' }, status: 403 },
      { name: 'right token but cross-site fetch', headers: { 'x-csrftoken': token, 'sec-fetch-site': 'cross-site' }, status: 403 },
      { name: 'foreign Referer, no Origin', headers: { referer: 'https://evil.example/page' }, status: 403 },
      { name: 'Origin null', headers: { origin: 'null' }, status: 403 },
    ];
    for (const c of cases) {
      const res = await action(t.app, (c.jar ?? jar).clone(), 'logout', {}, c.headers);
      assert.equal(res.status, c.status, c.name);
      assert.equal(res.body.error.code, 'forbidden', c.name);
      assert.equal(findSetCookie(res, 'sessionid'), undefined, c.name);
    }
    const plain = await call(t.app, 'POST', '/accounts/action/?do=logout', {
      payload: '{}',
      headers: { 'content-type': 'text/plain', ...jar.headers() },
    });
    assert.equal(plain.status, 415);
    assert.equal((await action(t.app, jar.clone(), 'check_login')).status, 200, 'the session survived every rejected logout');
    assert.ok(t.logs.some((l) => l.includes('"event":"csrf_rejected"')));
  });

  it('SEC-33 logs out with the right X-CSRFToken: 200, both cookies cleared, the old cookie dead on the server', async () => {
    const jar = await loginJar(t.app, 'bob@example.com', PASSWORD);
    const stolen = jar.clone();
    const res = await action(t.app, jar, 'logout', {}, { 'x-csrftoken': jar.get('csrftoken')! });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{}');
    assert.equal(findSetCookie(res, 'sessionid')?.attributes['max-age'], '0');
    assert.equal(findSetCookie(res, 'csrftoken')?.attributes['max-age'], '0');
    assert.equal(jar.get('sessionid'), undefined);
    assert.equal((await action(t.app, stolen, 'check_login')).status, 401);
  });

  it('logs out a same-origin request without the header (Origin or Referer of PUBLIC_URL)', async () => {
    for (const headers of [{ origin: 'http://localhost:3000' }, { referer: 'http://localhost:3000/account' }] as Array<Record<string, string>>) {
      const jar = await loginJar(t.app, 'bob@example.com', PASSWORD);
      const stolen = jar.clone();
      assert.equal((await action(t.app, jar, 'logout', {}, headers)).status, 200);
      assert.equal((await action(t.app, stolen, 'check_login')).status, 401);
    }
  });

  it('answers 200 to a logout without a session, clearing the cookies', async () => {
    const res = await action(t.app, new CookieJar().set('sessionid', 'nothing'), 'logout');
    assert.equal(res.status, 200);
    assert.equal(findSetCookie(res, 'sessionid')?.attributes['max-age'], '0');
  });

  it('SEC-28/63 answers an unknown or missing action with 400 listing the valid ones, and a GET with 405', async () => {
    for (const url of ['/accounts/action/?do=delete', '/accounts/action/', '/accounts/action/?do=login&do=logout']) {
      const res = await call(t.app, 'POST', url, { json: {} });
      assert.equal(res.status, 400, url);
      assert.deepEqual(res.body.error.actions, ['create', 'login', 'logout', 'check_login', 'check_login_with_return_uuid', 'login_mfa']);
      assert.equal(res.body.error.code, 'unknown_action');
    }
    const get = await call(t.app, 'GET', '/accounts/action/?do=check_login');
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
  });

  it('SEC-63 answers malformed JSON with 400, not 500', async () => {
    const res = await call(t.app, 'POST', '/accounts/action/?do=login', { payload: '{"username":', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_json');
  });
});

describe('cookie-session API (README, "The cookie-session API"): expiry on the server (docs/security.md#sec-32)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { SESSION_IDLE_TTL: '1h', SESSION_ABSOLUTE_TTL: '3h' } });
    await t.service.registerAccount({ username: 'carol@example.com', password: PASSWORD });
  });
  after(() => t.close());

  it('SEC-32 ends a session idle for longer than SESSION_IDLE_TTL', async () => {
    const jar = await loginJar(t.app, 'carol@example.com', PASSWORD);
    t.clock.advance(59 * 60 * 1000);
    assert.equal((await action(t.app, jar, 'check_login')).status, 200);
    t.clock.advance(61 * 60 * 1000);
    assert.equal((await action(t.app, jar, 'check_login')).status, 401);
  });

  it('SEC-27/32 ends an active session at SESSION_ABSOLUTE_TTL, and the cookie Max-Age equals it', async () => {
    const jar = new CookieJar();
    const login = await action(t.app, jar, 'login', { username: 'carol@example.com', password: PASSWORD });
    assert.equal(findSetCookie(login, 'sessionid')?.attributes['max-age'], String(3 * 3600));
    for (let i = 0; i < 5; i++) {
      t.clock.advance(35 * 60 * 1000);
      assert.equal((await action(t.app, jar, 'check_login')).status, 200, `after ${(i + 1) * 35} min`);
    }
    t.clock.advance(10 * 60 * 1000); // 185 min: active all along, but past the absolute lifetime
    assert.equal((await action(t.app, jar, 'check_login')).status, 401);
  });
});

describe('cookie-session API (README, "The cookie-session API"): cookie names and https', () => {
  it('SEC-27 marks both cookies Secure under an https PUBLIC_URL and uses __Host- names when COOKIE_HOST_PREFIX=true', async () => {
    const t = await createTestInstance({
      hasher: 'fast',
      env: { PUBLIC_URL: 'https://accounts.example.com', COOKIE_HOST_PREFIX: 'true', SESSION_COOKIE_NAME: 'sid', CSRF_COOKIE_NAME: 'xsrf' },
    });
    try {
      await t.service.registerAccount({ username: 'dave@example.com', password: PASSWORD });
      const jar = new CookieJar();
      const res = await action(t.app, jar, 'login', { username: 'dave@example.com', password: PASSWORD });
      assert.equal(res.status, 200);
      const session = findSetCookie(res, '__Host-sid');
      const csrf = findSetCookie(res, '__Host-xsrf');
      assert.ok(session && csrf, JSON.stringify(res.headers['set-cookie']));
      assert.equal(session.attributes.secure, true);
      assert.equal(session.attributes.httponly, true);
      assert.equal(session.attributes.domain, undefined);
      assert.equal(csrf.attributes.secure, true);
      assert.equal(csrf.attributes.httponly, undefined);
      assert.equal((await action(t.app, jar, 'check_login')).status, 200);
      assert.equal((await action(t.app, new CookieJar().set('sessionid', jar.get('__Host-sid')!), 'check_login')).status, 401);
      const logout = await action(t.app, jar, 'logout', {}, { 'x-csrftoken': jar.get('__Host-xsrf')! });
      assert.equal(logout.status, 200);
    } finally {
      await t.close();
    }
  });

  it('SEC-27 keeps the cookie API names sessionid/csrftoken under https without the prefix switch, but Secure', async () => {
    const t = await createTestInstance({ hasher: 'fast', env: { PUBLIC_URL: 'https://accounts.example.com' } });
    try {
      await t.service.registerAccount({ username: 'erin@example.com', password: PASSWORD });
      const res = await action(t.app, new CookieJar(), 'login', { username: 'erin@example.com', password: PASSWORD });
      assert.equal(findSetCookie(res, 'sessionid')?.attributes.secure, true);
      assert.equal(findSetCookie(res, 'csrftoken')?.attributes.secure, true);
    } finally {
      await t.close();
    }
  });
});
