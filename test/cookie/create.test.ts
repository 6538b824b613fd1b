/**
 * do=create (README, "The cookie-session API"): email-only sign-up. The answer never tells whether the address already
 * has an account; bad input is a 400; cross-site requests are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar, findSetCookie } from '../support/cookie-jar.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { action } from './helpers.js';

describe('cookie-session API (README, "The cookie-session API"): do=create', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await t.service.addPromoCode({ code: 'DEMO2026' });
  });
  after(() => t.close());

  it('SEC-10 creates an account with 200 and {"success":true} (no uuid), and sets no session cookie', async () => {
    const res = await action(t.app, new CookieJar(), 'create', { email: 'new@example.com' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '{"success":true}');
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(findSetCookie(res, 'sessionid'), undefined);
    const login = await action(t.app, new CookieJar(), 'login', { username: 'new@example.com', password: '' });
    assert.equal(login.status, 401);
  });

  it('SEC-9 answers a duplicate email byte-identically to a new one, in any case', async () => {
    const first = await call(t.app, 'POST', '/accounts/action/?do=create', { json: { email: 'dup@example.com' } });
    const again = await call(t.app, 'POST', '/accounts/action/?do=create', { json: { email: 'dup@example.com' } });
    const upper = await call(t.app, 'POST', '/accounts/action/?do=create', { json: { email: 'DUP@Example.com' } });
    const fresh = await call(t.app, 'POST', '/accounts/action/?do=create', { json: { email: 'other@example.com' } });
    assert.equal(first.text, '{"success":true}');
    for (const res of [again, upper, fresh]) {
      assert.equal(res.status, first.status);
      assert.equal(res.text, first.text);
      const strip = (h: typeof res.headers) => Object.keys(h).filter((k) => k !== 'x-request-id' && k !== 'date').sort().map((k) => `${k}:${String(h[k])}`);
      assert.deepEqual(strip(res.headers), strip(first.headers));
    }
  });

  it('accepts a valid promo code and refuses an unknown one with 400 naming the field', async () => {
    assert.equal((await action(t.app, new CookieJar(), 'create', { email: 'promo@example.com', promo: 'DEMO2026' })).status, 200);
    const bad = await action(t.app, new CookieJar(), 'create', { email: 'promo2@example.com', promo: 'NOPE' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'promo');
  });

  it('SEC-55/60 refuses invalid emails and bad bodies with 400, never 500', async () => {
    const cases: unknown[] = [
      { email: 'not-an-email' },
      { email: 'a@b.example\r\nBcc: evil@x.example' },
      { email: '' },
      {},
      { email: 42 },
      { email: ['a@example.com'] },
      { email: 'x@example.com', is_staff: true },
      { email: 'y@example.com', promo: 7 },
      [],
    ];
    for (const body of cases) {
      const res = await action(t.app, new CookieJar(), 'create', body);
      assert.equal(res.status, 400, JSON.stringify(body) + ' ' + res.text);
      assert.equal(typeof res.body.error.message, 'string');
    }
  });

  it('SEC-29 refuses a sign-up posted from another site', async () => {
    const res = await action(t.app, new CookieJar(), 'create', { email: 'csrf@example.com' }, { origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    const crossSite = await action(t.app, new CookieJar(), 'create', { email: 'csrf@example.com' }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
  });
});
