/** The cookie settings read from the environment: SESSION_COOKIE_NAME, CSRF_COOKIE_NAME, COOKIE_HOST_PREFIX. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { cookieSettings } from '../../src/http/cookies.js';

const base = { DATABASE_URL: 'sqlite::memory:' };

describe('cookie configuration', () => {
  it("defaults to the cookie API's sessionid and csrftoken without prefix, not Secure on http", () => {
    const s = cookieSettings(loadConfig(base));
    assert.deepEqual(
      { session: s.sessionName, csrf: s.csrfName, secure: s.secure, maxAge: s.maxAge, origin: s.publicOrigin },
      { session: 'sessionid', csrf: 'csrftoken', secure: false, maxAge: 14 * 86400, origin: 'http://localhost:3000' },
    );
  });

  it('SEC-27 adds __Host- only under https when COOKIE_HOST_PREFIX=true', () => {
    const httpsPrefixed = cookieSettings(loadConfig({ ...base, PUBLIC_URL: 'https://id.example.com', COOKIE_HOST_PREFIX: 'true' }));
    assert.equal(httpsPrefixed.sessionName, '__Host-sessionid');
    assert.equal(httpsPrefixed.csrfName, '__Host-csrftoken');
    assert.equal(httpsPrefixed.secure, true);
    const httpPrefixed = cookieSettings(loadConfig({ ...base, COOKIE_HOST_PREFIX: 'true' }));
    assert.equal(httpPrefixed.sessionName, 'sessionid', 'browsers refuse __Host- cookies without Secure, so http keeps plain names');
  });

  it('refuses bad names and a bad switch with one line naming the variable', () => {
    for (const [name, value] of [
      ['SESSION_COOKIE_NAME', 'a b'],
      ['SESSION_COOKIE_NAME', 'x;y'],
      ['CSRF_COOKIE_NAME', '__Host-csrf'],
      ['COOKIE_HOST_PREFIX', 'yes'],
    ] as const) {
      assert.throws(() => loadConfig({ ...base, [name]: value }), (err: unknown) => err instanceof ConfigError && err.message.startsWith(name));
    }
  });

  it('SEC-27 caps the cookie Max-Age at 400 days whatever the session lifetime', () => {
    assert.equal(cookieSettings(loadConfig({ ...base, SESSION_ABSOLUTE_TTL: '400d' })).maxAge, 400 * 86400);
  });
});
