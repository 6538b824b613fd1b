/**
 * Pins the double-submit comparison of the cookie-session API's CSRF check (docs/security.md#sec-28;
 * src/http/csrf.ts): a cookie-authenticated state change that does not come from our own origin
 * must present an X-CSRFToken header equal to its `csrftoken` cookie. The header alone, even
 * the session's own valid token, is not enough when the cookie is missing or different. Tested
 * at the function itself (with a core that accepts any token, so only the comparison stands in
 * the way) and through the API's logout. scripts/mutation-check.mjs removes the comparison and
 * expects this file to fail.
 */
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import type { AccountsService } from '../../src/core/accounts-service.js';
import type { CookieSettings } from '../../src/http/cookies.js';
import { assertSessionCsrf } from '../../src/http/csrf.js';
import { action, loginJar } from '../cookie/helpers.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { register } from '../support/jwt-api.js';

const SETTINGS: CookieSettings = {
  sessionName: 'sessionid',
  csrfName: 'csrftoken',
  formName: 'latchkey_form',
  secure: false,
  maxAge: 3600,
  publicOrigin: 'http://localhost:3000',
  domain: null,
};
const TOKEN = 'A'.repeat(43);
const OTHER = 'B'.repeat(43);

/** A core whose every session token is valid: only the header-equals-cookie comparison is left. */
const anyTokenService = { isValidCsrfToken: () => true } as unknown as AccountsService;

const request = (cookies: Record<string, string>, headers: Record<string, string> = {}) => ({ cookies, headers }) as unknown as FastifyRequest;

function check(req: FastifyRequest, presented: string | null): 'accepted' | 'refused' {
  try {
    assertSessionCsrf(req, { service: anyTokenService, settings: SETTINGS, sessionId: 's1', presented });
    return 'accepted';
  } catch (err) {
    if (isAuthError(err, 'FORBIDDEN')) return 'refused';
    throw err;
  }
}

describe('SEC-28 the double-submit comparison (assertSessionCsrf)', () => {
  it('SEC-28 a header that differs from the csrftoken cookie is refused when Origin and Referer are absent', () => {
    assert.equal(check(request({ csrftoken: TOKEN }), OTHER), 'refused', 'header differs from the cookie');
    assert.equal(check(request({}), TOKEN), 'refused', 'header without any cookie');
    assert.equal(check(request({ csrftoken: TOKEN }), TOKEN.slice(0, 42)), 'refused', 'header one character shorter');
    assert.equal(check(request({ csrftoken: TOKEN }), `${TOKEN}A`), 'refused', 'header one character longer');
    assert.equal(check(request({ csrftoken: TOKEN }), null), 'refused', 'no header');
    // Control: the same request with a matching pair passes, so the refusals above are the comparison's.
    assert.equal(check(request({ csrftoken: TOKEN }), TOKEN), 'accepted');
  });

  it('SEC-28 a mismatching pair is refused with a foreign or opaque origin; only our own Origin stands in for the token', () => {
    assert.equal(check(request({ csrftoken: TOKEN }, { origin: 'null' }), OTHER), 'refused', 'Origin: null');
    assert.equal(check(request({ csrftoken: TOKEN }, { referer: 'https://evil.example/x' }), OTHER), 'refused', 'foreign Referer');
    assert.equal(check(request({ csrftoken: TOKEN }, { origin: 'https://evil.example' }), TOKEN), 'refused', 'foreign Origin, matching pair');
    assert.equal(check(request({ csrftoken: TOKEN }, { origin: 'http://localhost:3000' }), OTHER), 'accepted', 'same-origin JSON request (by design)');
  });
});

describe('SEC-28 the double-submit comparison through the cookie-session API', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' }); // the hasher plays no part in CSRF
    await register(t.app, 'tybalt', 'Prince-of-Cats-77');
  });
  after(() => t.close());

  it('SEC-28 logout with the session’s own token in X-CSRFToken but a missing or different csrftoken cookie is 403, and the session lives on', async () => {
    const jar = await loginJar(t.app, 'tybalt', 'Prince-of-Cats-77');
    const other = await loginJar(t.app, 'tybalt', 'Prince-of-Cats-77');
    const token = jar.get('csrftoken')!;
    const cases = [
      { name: 'no csrftoken cookie', jar: jar.clone().delete('csrftoken') },
      { name: "another session's csrftoken cookie", jar: jar.clone().set('csrftoken', other.get('csrftoken')!) },
      { name: 'a made-up csrftoken cookie', jar: jar.clone().set('csrftoken', 'C'.repeat(43)) },
    ];
    for (const c of cases) {
      const res = await action(t.app, c.jar, 'logout', {}, { 'x-csrftoken': token });
      assert.equal(res.status, 403, `${c.name}: ${res.status} ${res.text}`);
      assert.equal((await action(t.app, jar.clone(), 'check_login')).status, 200, `${c.name}: the session is still live`);
    }
    const ok = await action(t.app, jar.clone(), 'logout', {}, { 'x-csrftoken': token });
    assert.equal(ok.status, 200, 'control: the matching pair logs out');
    assert.equal((await action(t.app, jar.clone(), 'check_login')).status, 401, 'control: the session is gone');
  });
});
