/**
 * The hosted pages through HTTP with a cookie jar: security headers, login/logout/account,
 * password change, CSRF on every form, the form parser's limits, and HTML errors (never 500).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CookieJar, findSetCookie } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { action } from '../cookie/helpers.js';
import { getPage, hiddenField, postForm } from './helpers.js';

const PASSWORD = 'correct horse battery';
const CSP = "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async function loginThroughPage(t: TestInstance, username: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const form = await getPage(t.app, jar, '/login');
  const res = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username, password });
  assert.equal(res.status, 303, res.text);
  return jar;
}

describe('hosted pages: headers and forms', () => {
  let t: TestInstance;
  let uuid: string;
  before(async () => {
    t = await createTestInstance(); // real argon2id for the login flow
    uuid = (await t.service.registerAccount({ username: 'page-user', password: PASSWORD, email: 'page@example.com' })).id;
  });
  after(() => t.close());

  it('SEC-51/64 sends the security headers on every page and asks for no script, except our own passkey scripts on /login', async () => {
    for (const url of ['/login', '/signup', '/reset', '/reset?token=bad', '/confirm?token=bad', '/account']) {
      const res = await getPage(t.app, new CookieJar(), url);
      assert.ok([200, 303, 400].includes(res.status), url);
      if (url === '/login') {
        assert.equal(res.headers['content-security-policy'], `${CSP}; script-src 'self'; connect-src 'self'`, url);
        assert.deepEqual([...res.text.matchAll(/<script[^>]*>/g)].map((m) => m[0]), ['<script src="/assets/webauthn.js" defer>', '<script src="/assets/passkeys.js" defer>'], 'only our own files, no inline script');
        continue;
      }
      assert.equal(res.headers['content-security-policy'], CSP, url);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', url);
      assert.equal(res.headers['cache-control'], 'no-store', url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      if (res.status !== 303) {
        assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
        assert.match(res.text, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
        assert.doesNotMatch(res.text, /<script/i);
      }
    }
  });

  it('logs in through the form: 303 to /account with the same cookies as the API', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    const formCookie = findSetCookie(form, 'latchkey_form');
    assert.deepEqual(formCookie?.attributes, { path: '/', httponly: true, samesite: 'Strict' });
    const res = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'PAGE-USER', password: PASSWORD });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/account');
    assert.deepEqual(findSetCookie(res, 'sessionid')?.attributes, { 'max-age': '1209600', path: '/', httponly: true, samesite: 'Lax' });
    assert.deepEqual(findSetCookie(res, 'csrftoken')?.attributes, { 'max-age': '1209600', path: '/', samesite: 'Lax' });
    const account = await getPage(t.app, jar, '/account');
    assert.equal(account.status, 200);
    assert.match(account.text, /page-user/);
    assert.match(account.text, /page@example\.com/);
    assert.ok(!account.text.includes(uuid), 'the account id is not shown to its owner');
    assert.equal((await action(t.app, jar, 'check_login')).status, 200, 'the page session works on the API');
  });

  it('SEC-17 answers a failed login with the form again, 401 and one generic message', async () => {
    const texts = new Set<string>();
    for (const [username, password] of [['page-user', 'wrong password'], ['nobody', PASSWORD]] as const) {
      const jar = new CookieJar();
      const form = await getPage(t.app, jar, '/login');
      const res = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username, password });
      assert.equal(res.status, 401, username);
      assert.match(res.text, /Invalid username or password\./);
      assert.equal(findSetCookie(res, 'sessionid'), undefined);
      texts.add(res.text.replace(/name="csrf" value="[^"]*"/g, '').replace(/value="(page-user|nobody)"/, ''));
    }
    assert.equal(texts.size, 1);
  });

  it('SEC-29 refuses a login form without the double-submit token, with a foreign token, or from another site', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    const csrf = hiddenField(form.text, 'csrf');
    const cases: Array<[string, Record<string, string>, Record<string, string>, CookieJar]> = [
      ['no token', { username: 'page-user', password: PASSWORD }, {}, jar.clone()],
      ['token without its cookie', { csrf, username: 'page-user', password: PASSWORD }, {}, jar.clone().delete('latchkey_form')],
      ['another token', { csrf: 'A'.repeat(43), username: 'page-user', password: PASSWORD }, {}, jar.clone()],
      ['foreign Origin', { csrf, username: 'page-user', password: PASSWORD }, { origin: 'https://evil.example' }, jar.clone()],
      ['cross-site fetch', { csrf, username: 'page-user', password: PASSWORD }, { 'sec-fetch-site': 'cross-site' }, jar.clone()],
    ];
    for (const [name, fields, headers, j] of cases) {
      const res = await postForm(t.app, j, '/login', fields, headers);
      assert.equal(res.status, 403, name);
      assert.match(res.text, /expired or was sent from another site/, name);
      assert.equal(findSetCookie(res, 'sessionid'), undefined, name);
    }
  });

  it('redirects /account to /login without a session', async () => {
    const res = await getPage(t.app, new CookieJar().set('sessionid', 'forged'), '/account');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login');
  });

  it('SEC-28/33 logs out only with the session CSRF token: 403 otherwise and the session survives', async () => {
    const jar = await loginThroughPage(t, 'page-user', PASSWORD);
    const other = await loginThroughPage(t, 'page-user', PASSWORD);
    for (const [name, fields, headers] of [
      ['no token', {}, {}],
      ["another session's token", { csrf: other.get('csrftoken')! }, {}],
      ['foreign origin', { csrf: jar.get('csrftoken')! }, { origin: 'https://evil.example' }],
    ] as Array<[string, Record<string, string>, Record<string, string>]>) {
      const res = await postForm(t.app, jar.clone(), '/logout', fields, headers);
      assert.equal(res.status, 403, name);
    }
    assert.equal((await getPage(t.app, jar.clone(), '/account')).status, 200);
    const page = await getPage(t.app, jar, '/account');
    const stolen = jar.clone();
    const out = await postForm(t.app, jar, '/logout', { csrf: hiddenField(page.text, 'csrf') });
    assert.equal(out.status, 303);
    assert.equal(out.headers.location, '/login');
    assert.equal(findSetCookie(out, 'sessionid')?.attributes['max-age'], '0');
    assert.equal((await getPage(t.app, stolen, '/account')).status, 303);
  });

  it('SEC-60/61 answers text/plain with a 415 page, a repeated field with 400 and an oversized form with 413, never 500', async () => {
    const plain = await t.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'text/plain' }, payload: 'username=a' });
    assert.equal(plain.statusCode, 415);
    assert.match(plain.body, /only accepts forms/);
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    const twice = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...jar.headers() },
      payload: `csrf=${hiddenField(form.text, 'csrf')}&username=a&username=b&password=x`,
    });
    assert.equal(twice.statusCode, 400);
    const big = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'a', password: 'x'.repeat(70 * 1024) });
    assert.equal(big.status, 413);
    const badUtf8 = await t.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: Buffer.from([0x75, 0x3d, 0xff]) });
    assert.equal(badUtf8.statusCode, 400);
    assert.match(String(badUtf8.headers['content-type']), /text\/html/);
  });
});

describe('hosted pages: change password', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await t.service.registerAccount({ username: 'changer', password: PASSWORD, email: 'changer@example.com' });
  });
  after(() => t.close());

  it('SEC-56/57 changes the password with the current one and the CSRF token; other sessions end, this one stays', async () => {
    const jar = await loginThroughPage(t, 'changer', PASSWORD);
    const elsewhere = await loginThroughPage(t, 'changer', PASSWORD);
    const page = await getPage(t.app, jar, '/account');
    const csrf = hiddenField(page.text, 'csrf');
    const next = 'a brand new passphrase';

    const noCsrf = await postForm(t.app, jar, '/account/password', { current_password: PASSWORD, password: next, password_confirm: next });
    assert.equal(noCsrf.status, 403);
    const wrong = await postForm(t.app, jar, '/account/password', { csrf, current_password: 'not it at all', password: next, password_confirm: next });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /current password is not correct/);
    const mismatch = await postForm(t.app, jar, '/account/password', { csrf, current_password: PASSWORD, password: next, password_confirm: 'different' });
    assert.equal(mismatch.status, 400);
    const weak = await postForm(t.app, jar, '/account/password', { csrf, current_password: PASSWORD, password: 'short', password_confirm: 'short' });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /at least 8 characters/);

    const ok = await postForm(t.app, jar, '/account/password', { csrf, current_password: PASSWORD, password: next, password_confirm: next });
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /password has been changed/);
    assert.equal((await getPage(t.app, jar, '/account')).status, 200, 'this session stays');
    assert.equal((await getPage(t.app, elsewhere, '/account')).status, 303, 'the other session ended');
    assert.equal((await action(t.app, new CookieJar(), 'login', { username: 'changer', password: PASSWORD })).status, 401);
    assert.equal((await action(t.app, new CookieJar(), 'login', { username: 'changer', password: next })).status, 200);
  });
});

describe('hosted pages: arbitrary form input', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  it('SEC-60 answers any form posted to any page with an HTML page or a redirect, never a 5xx', async () => {
    const jar = new CookieJar();
    const csrf = hiddenField((await getPage(t.app, jar, '/login')).text, 'csrf');
    const paths = ['/login', '/logout', '/signup', '/confirm', '/confirm/resend', '/reset', '/reset/complete', '/account/password'];
    const names = ['csrf', 'username', 'password', 'password_confirm', 'current_password', 'email', 'identifier', 'token', '__proto__', 'constructor'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.dictionary(fc.constantFrom(...names), fc.string({ maxLength: 300 })), fc.boolean(), async (path, fields, withCsrf) => {
        const res = await postForm(t.app, jar.clone(), path, withCsrf ? { ...fields, csrf } : fields);
        assert.ok(res.status < 500, `${path} ${JSON.stringify(fields)} -> ${res.status}`);
        if (res.status !== 303) assert.match(String(res.headers['content-type']), /^text\/html/);
      }),
      { numRuns: 150 },
    );
  });
});
