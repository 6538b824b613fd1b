/** `return_to` and its settings: only allow-listed targets are honoured, every open-redirect trick is ignored. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { safeReturnTo } from '../../src/http/return-to.js';

const rules = loadConfig({ RETURN_TO_ORIGINS: 'https://app.example.com, https://shop.example.com:8443/welcome/' }).selfService.returnTo;

describe('return_to allow-list', () => {
  it('reads RETURN_TO_ORIGINS as exact origins with optional path prefixes', () => {
    assert.deepEqual(rules, [
      { origin: 'https://app.example.com', pathPrefix: '/' },
      { origin: 'https://shop.example.com:8443', pathPrefix: '/welcome' },
    ]);
    assert.deepEqual(loadConfig({}).selfService.returnTo, []);
  });

  it('refuses RETURN_TO_ORIGINS entries that are not plain origins or paths, naming the variable', () => {
    for (const bad of ['app.example.com', 'https://*.example.com', 'https://app.example.com/?x=1', 'https://u@app.example.com', 'javascript:alert(1)', 'https://app.example.com/a/../b', 'https://app.example.com/%2e']) {
      assert.throws(() => loadConfig({ RETURN_TO_ORIGINS: bad }), (err: unknown) => err instanceof ConfigError && /^RETURN_TO_ORIGINS /.test(err.message), bad);
    }
  });

  it('honours an allowed origin (any path) and an allowed path prefix, answering the normalized URL', () => {
    assert.equal(safeReturnTo('https://app.example.com', rules), 'https://app.example.com/');
    assert.equal(safeReturnTo('https://app.example.com/after/login?x=1#top', rules), 'https://app.example.com/after/login?x=1#top');
    assert.equal(safeReturnTo('https://APP.example.com/a', rules), 'https://app.example.com/a');
    assert.equal(safeReturnTo('https://shop.example.com:8443/welcome', rules), 'https://shop.example.com:8443/welcome');
    assert.equal(safeReturnTo('https://shop.example.com:8443/welcome/back?from=signup', rules), 'https://shop.example.com:8443/welcome/back?from=signup');
  });

  const tricks: Array<[string, string]> = [
    ['scheme-relative', '//evil.example'],
    ['scheme-relative to an allowed host', '//app.example.com/x'],
    ['scheme without slashes', 'https:evil.example'],
    ['scheme with one slash', 'https:/evil.example'],
    ['backslash host', 'https:\\\\evil.example'],
    ['slash-backslash', '/\\evil.example'],
    ['backslash in the authority', 'https://app.example.com\\@evil.example'],
    ['backslash in the path', 'https://app.example.com/\\evil.example'],
    ['userinfo', 'https://app.example.com@evil.example'],
    ['userinfo of the allowed host', 'https://user:pw@app.example.com/'],
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['JavaScript: with a tab', 'java\tscript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['another origin', 'https://evil.example/'],
    ['a suffix of the allowed host', 'https://app.example.com.evil.example/'],
    ['a prefix of the allowed host', 'https://evilapp.example.com/'],
    ['a trailing dot', 'https://app.example.com./'],
    ['another port', 'https://app.example.com:444/'],
    ['plain http for an https origin', 'http://app.example.com/'],
    ['outside the path prefix', 'https://shop.example.com:8443/admin'],
    ['a longer segment than the prefix', 'https://shop.example.com:8443/welcomeback'],
    ['dot-dot out of the prefix', 'https://shop.example.com:8443/welcome/../admin'],
    ['encoded dot-dot out of the prefix', 'https://shop.example.com:8443/welcome/%2e%2e/admin'],
    ['encoded slashes', 'https://shop.example.com:8443/welcome%2f..%2fadmin'],
    ['double-encoded', 'https://shop.example.com:8443/welcome/%252e%252e/admin'],
    ['encoded backslash', 'https://app.example.com/%5cevil.example'],
    ['encoded host', 'https://app%2eexample.com/'],
    ['a leading space', ' https://app.example.com/'],
    ['a newline', 'https://app.example.com/\nx'],
    ['a NUL', 'https://app.example.com/\u0000'],
    ['a relative path', '/account'],
    ['a bare host', 'app.example.com'],
    ['an IDN look-alike', 'https://аpp.example.com/'],
    ['overlong', `https://app.example.com/${'a'.repeat(2100)}`],
  ];
  for (const [name, value] of tricks) {
    it(`ignores an open-redirect trick: ${name}`, () => {
      assert.equal(safeReturnTo(value, rules), null);
    });
  }

  it('ignores every target when RETURN_TO_ORIGINS is unset, and any non-string', () => {
    assert.equal(safeReturnTo('https://app.example.com/', []), null);
    assert.equal(safeReturnTo(['https://app.example.com/'], rules), null);
    assert.equal(safeReturnTo(undefined, rules), null);
  });
});

describe('COOKIE_DOMAIN and LOGIN_AFTER_LINK', () => {
  const https = { PUBLIC_URL: 'https://auth.example.com' };
  it('accepts a parent domain of an https PUBLIC_URL and the host itself', () => {
    assert.equal(loadConfig({ ...https, COOKIE_DOMAIN: 'example.com' }).selfService.cookieDomain, 'example.com');
    assert.equal(loadConfig({ ...https, COOKIE_DOMAIN: '.Example.com' }).selfService.cookieDomain, 'example.com');
    assert.equal(loadConfig({ ...https, COOKIE_DOMAIN: 'auth.example.com' }).selfService.cookieDomain, 'auth.example.com');
    assert.equal(loadConfig(https).selfService.cookieDomain, null);
  });

  it('refuses at start-up the combinations that cannot work or would widen the cookie unsafely', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...https, COOKIE_DOMAIN: 'other.com' }, /parent domain/],
      [{ ...https, COOKIE_DOMAIN: 'xample.com' }, /parent domain/],
      [{ ...https, COOKIE_DOMAIN: 'com' }, /two labels/],
      [{ PUBLIC_URL: 'https://127.0.0.1', COOKIE_DOMAIN: '127.0.0.1' }, /IP address/],
      [{ PUBLIC_URL: 'http://auth.example.com', COOKIE_DOMAIN: 'example.com' }, /https/],
      [{ ...https, COOKIE_DOMAIN: 'example.com', COOKIE_HOST_PREFIX: 'true' }, /__Host-/],
    ];
    for (const [env, why] of cases) {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && /^COOKIE_DOMAIN /.test(err.message) && why.test(err.message), JSON.stringify(env));
    }
  });

  it('signs in after a link unless LOGIN_AFTER_LINK=false', () => {
    assert.equal(loadConfig({}).selfService.loginAfterLink, true);
    assert.equal(loadConfig({ LOGIN_AFTER_LINK: 'false' }).selfService.loginAfterLink, false);
    assert.throws(() => loadConfig({ LOGIN_AFTER_LINK: 'no' }), /LOGIN_AFTER_LINK must be true or false/);
  });
});
