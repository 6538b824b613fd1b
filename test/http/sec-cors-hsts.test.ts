/**
 * SEC-31: CORS only for the exact origins in CORS_ORIGINS, never an echoed Origin with
 * credentials; none at all by default. SEC-64: HSTS on every answer under an https PUBLIC_URL
 * (never under http), and plain-HTTP API requests refused, not redirected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const APP = 'https://app.example.com';
const OTHER_APP = 'http://localhost:5173';
const EVIL = 'https://evil.example';
const PASSWORD = 'a long and private passphrase';

function corsHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-')));
}

function preflight(origin: string, url = '/api/v1/account/login', method = 'POST'): InjectOptions {
  return {
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type, authorization' },
  };
}

describe('CORS', () => {
  describe('by default (CORS_ORIGINS unset)', () => {
    let t: TestInstance;
    before(async () => {
      t = await createTestInstance({ hasher: 'fast' });
    });
    after(() => t.close());

    it('SEC-31 no CORS header at all, for any origin, on answers and preflights', async () => {
      for (const origin of [APP, EVIL, 'null']) {
        const get = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json', headers: { origin } });
        assert.deepEqual(corsHeaders(get.headers), {}, origin);
        const pre = await t.app.inject(preflight(origin));
        assert.notEqual(pre.statusCode, 204);
        assert.deepEqual(corsHeaders(pre.headers), {}, origin);
      }
    });
  });

  describe(`with CORS_ORIGINS=${APP},${OTHER_APP}`, () => {
    let t: TestInstance;
    before(async () => {
      // The real argon2id hasher: a listed origin registers and logs in through CORS.
      t = await createTestInstance({ env: { CORS_ORIGINS: `${APP}, ${OTHER_APP}` } });
    });
    after(() => t.close());

    it('SEC-31 answers a listed origin\'s preflight with that exact origin, credentials, explicit methods and headers, and Max-Age', async () => {
      for (const origin of [APP, OTHER_APP]) {
        const res = await t.app.inject(preflight(origin));
        assert.equal(res.statusCode, 204);
        assert.equal(res.headers['access-control-allow-origin'], origin);
        assert.equal(res.headers['access-control-allow-credentials'], 'true');
        assert.equal(res.headers['access-control-allow-methods'], 'GET, POST, PUT, PATCH, DELETE');
        assert.equal(res.headers['access-control-allow-headers'], 'Authorization, Content-Type, X-CSRFToken, X-Request-Id');
        assert.equal(res.headers['access-control-max-age'], '600');
        assert.match(String(res.headers.vary), /\bOrigin\b/);
        assert.equal(res.body, '');
      }
      // Also on a path whose routes have no OPTIONS of their own (the cookie API answers OPTIONS with 405).
      const cookieApi = await t.app.inject(preflight(APP, '/accounts/action/?do=login'));
      assert.equal(cookieApi.statusCode, 204);
      assert.equal(cookieApi.headers['access-control-allow-origin'], APP);
    });

    it('SEC-31 a listed origin registers and logs in across origins and may read the answers', async () => {
      const headers = { origin: APP };
      const register = await t.app.inject({ method: 'POST', url: '/api/v1/account/register', headers, payload: { username: 'cors-user', password: PASSWORD } });
      assert.equal(register.statusCode, 200);
      assert.equal(register.headers['access-control-allow-origin'], APP);
      assert.equal(register.headers['access-control-allow-credentials'], 'true');
      const login = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', headers, payload: { username: 'cors-user', password: PASSWORD } });
      assert.equal(login.statusCode, 200);
      assert.equal(login.headers['access-control-allow-origin'], APP);
      assert.match(String(login.headers['access-control-expose-headers']), /Retry-After/);
      const access = login.json().result.token.access as string;
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/account/me', headers: { ...headers, authorization: `Bearer ${access}` } });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().result.username, 'cors-user');
      assert.equal(me.headers['access-control-allow-origin'], APP);
      assert.match(String(me.headers.vary), /\bOrigin\b/);
      // Errors carry the headers too, so the page can read why.
      const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', headers, payload: { username: 'cors-user', password: 'not it at all' } });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.headers['access-control-allow-origin'], APP);
    });

    it('SEC-31 never reflects an unlisted origin: no CORS header at all on answers or preflights', async () => {
      const lookalikes = [
        EVIL,
        'null',
        'https://app.example.com.evil.example',
        'https://evil-app.example.com',
        'http://app.example.com', // the listed host over another scheme
        'https://app.example.com:8443', // another port
        'https://APP.example.com', // browsers send lower case; anything else is not the listed origin
        `${APP}/`,
        `${APP}, ${EVIL}`,
      ];
      for (const origin of lookalikes) {
        const pre = await t.app.inject(preflight(origin));
        assert.notEqual(pre.statusCode, 204, origin);
        assert.deepEqual(corsHeaders(pre.headers), {}, origin);
        const get = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json', headers: { origin } });
        assert.equal(get.statusCode, 200);
        assert.deepEqual(corsHeaders(get.headers), {}, origin);
        assert.match(String(get.headers.vary), /\bOrigin\b/, 'the answer still says it varies by Origin');
        const login = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', headers: { origin }, payload: { username: 'cors-user', password: PASSWORD } });
        assert.deepEqual(corsHeaders(login.headers), {}, origin);
      }
      const none = await t.app.inject({ method: 'GET', url: '/healthz' });
      assert.deepEqual(corsHeaders(none.headers), {}, 'no Origin, no CORS');
    });

    it('SEC-31 an OPTIONS without Access-Control-Request-Method is not a preflight: the usual 405', async () => {
      const res = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/account/login', headers: { origin: APP } });
      assert.equal(res.statusCode, 405);
    });

    it('SEC-28/29 CORS does not open the cookie API: a listed origin\'s cookie login is still refused as cross-site', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/accounts/action/?do=login',
        headers: { origin: APP },
        payload: { username: 'cors-user', password: PASSWORD },
      });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'forbidden');
      assert.equal(res.headers['set-cookie'], undefined);
    });
  });

  it('SEC-31 CORS_ORIGINS accepts only exact origins, with one line naming the variable otherwise', () => {
    assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://App.Example.com:443, http://localhost:5173,https://app.example.com' }).corsOrigins, [
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    assert.deepEqual(loadConfig({}).corsOrigins, []);
    for (const bad of ['*', 'https://*.example.com', 'https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://app.example.com', 'https://user@app.example.com', 'https://app.example.com?x=1', 'null']) {
      assert.throws(
        () => loadConfig({ CORS_ORIGINS: `https://ok.example.com,${bad}` }),
        (e) => e instanceof ConfigError && /^CORS_ORIGINS must be a comma-separated list of exact origins/.test(e.message) && !e.message.includes('\n'),
        bad,
      );
    }
  });
});

describe('HSTS and plain HTTP', () => {
  describe('under an https PUBLIC_URL', () => {
    let t: TestInstance;
    before(async () => {
      t = await createTestInstance({ hasher: 'fast', env: { PUBLIC_URL: 'https://accounts.example.com', TRUST_PROXY: '127.0.0.1' } });
      await t.service.registerAccount({ username: 'tls-user@example.com', password: PASSWORD });
    });
    after(() => t.close());

    const HSTS = 'max-age=31536000; includeSubDomains';
    const https = { 'x-forwarded-proto': 'https' };

    it('SEC-64 sends Strict-Transport-Security on every answer: API, errors, pages, 404, 405, health', async () => {
      const requests: InjectOptions[] = [
        { method: 'POST', url: '/api/v1/account/login', payload: { username: 'tls-user@example.com', password: PASSWORD } },
        { method: 'POST', url: '/api/v1/account/login', payload: { username: 'tls-user@example.com', password: 'wrong password here' } },
        { method: 'POST', url: '/api/v1/account/register', payload: { username: '' } },
        { method: 'GET', url: '/api/', headers: { authorization: `Basic ${Buffer.from(`tls-user@example.com:${PASSWORD}`).toString('base64')}` } },
        { method: 'POST', url: '/accounts/action/?do=check_login', payload: {} },
        { method: 'GET', url: '/login' },
        { method: 'GET', url: '/nowhere' },
        { method: 'GET', url: '/api/v1/account/login' },
        { method: 'GET', url: '/healthz' },
        { method: 'GET', url: '/.well-known/jwks.json' },
        { method: 'GET', url: '/api/v1/account/sessions/%E0%A4%A' }, // bad %-encoding: answered before any hook
      ];
      for (const withProto of [{}, https]) {
        for (const request of requests) {
          const res = await t.app.inject({ ...request, headers: { ...request.headers, ...withProto } });
          assert.equal(res.headers['strict-transport-security'], HSTS, `${request.method} ${request.url} (${res.statusCode})`);
        }
      }
    });

    it('SEC-64 refuses a plain-HTTP API request with 403 in its own format, without a redirect or checking the password', async () => {
      const plain = { 'x-forwarded-proto': 'http' };
      const jwtApi = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', headers: plain, payload: { username: 'tls-user@example.com', password: PASSWORD } });
      assert.equal(jwtApi.statusCode, 403);
      assert.deepEqual(jwtApi.json(), { ok: false, error: { code: 'https_required', message: 'use https: requests over plain HTTP are refused' } });
      assert.equal(jwtApi.headers.location, undefined);
      assert.equal(jwtApi.headers['strict-transport-security'], undefined, 'HSTS means nothing over http');
      for (let i = 0; i < 8; i++) {
        const guess = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', headers: plain, payload: { username: 'tls-user@example.com', password: `guess ${i} over http` } });
        assert.equal(guess.statusCode, 403);
      }
      const overTls = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', headers: https, payload: { username: 'tls-user@example.com', password: PASSWORD } });
      assert.equal(overTls.statusCode, 200, 'the refused guesses were never checked, so they did not count toward the login throttle');

      const basic = await t.app.inject({
        method: 'GET',
        url: '/api/',
        headers: { ...plain, authorization: `Basic ${Buffer.from(`tls-user@example.com:${PASSWORD}`).toString('base64')}` },
      });
      assert.equal(basic.statusCode, 403);
      assert.equal(basic.json().error, 'https_required');
      assert.equal(basic.headers.location, undefined);

      const cookie = await t.app.inject({ method: 'POST', url: '/accounts/action/?do=login', headers: plain, payload: { username: 'tls-user@example.com', password: PASSWORD } });
      assert.equal(cookie.statusCode, 403);
      assert.equal(cookie.json().error.code, 'https_required');
      assert.equal(cookie.headers['set-cookie'], undefined);

      const form = await t.app.inject({
        method: 'POST',
        url: '/login',
        headers: { ...plain, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'username=tls-user%40example.com&password=x',
      });
      assert.equal(form.statusCode, 403);
      assert.match(form.body, /must be sent over https/);
      assert.match(String(form.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(form.headers.location, undefined);

      // The last X-Forwarded-Proto value is the nearest proxy's: it decides.
      const chained = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', headers: { 'x-forwarded-proto': 'https, http' }, payload: {} });
      assert.equal(chained.statusCode, 403);
      const served = await t.app.inject({
        method: 'POST',
        url: '/api/v1/account/login',
        headers: { 'x-forwarded-proto': 'http, https' },
        payload: { username: 'tls-user@example.com', password: PASSWORD },
      });
      assert.equal(served.statusCode, 200);
    });

    it('SEC-64 redirects a page GET over plain HTTP to PUBLIC_URL; health checks answer as usual', async () => {
      const page = await t.app.inject({ method: 'GET', url: '/reset?x=1', headers: { 'x-forwarded-proto': 'http' } });
      assert.equal(page.statusCode, 301);
      assert.equal(page.headers.location, 'https://accounts.example.com/reset?x=1');
      const health = await t.app.inject({ method: 'GET', url: '/readyz', headers: { 'x-forwarded-proto': 'http' } });
      assert.equal(health.statusCode, 200);
      const api = await t.app.inject({ method: 'GET', url: '/api/v1/account/me', headers: { 'x-forwarded-proto': 'http' } });
      assert.equal(api.statusCode, 403, 'an API GET is refused, not redirected');
    });
  });

  describe('under an http PUBLIC_URL', () => {
    let t: TestInstance;
    before(async () => {
      t = await createTestInstance({ hasher: 'fast' });
    });
    after(() => t.close());

    it('SEC-64 never sends Strict-Transport-Security and refuses nothing for its scheme', async () => {
      for (const headers of [{}, { 'x-forwarded-proto': 'http' }, { 'x-forwarded-proto': 'https' }]) {
        for (const url of ['/healthz', '/login', '/api/v1/account/me', '/nowhere']) {
          const res = await t.app.inject({ method: 'GET', url, headers });
          assert.equal(res.headers['strict-transport-security'], undefined, url);
          assert.notEqual(res.statusCode, 403, url);
          assert.notEqual(res.statusCode, 301, url);
        }
      }
    });
  });
});
