/**
 * A logout is either refused (403, a `csrf_rejected` event) or ends the server-side session; it
 * never clears the cookies of a session that stays live (docs/security.md, "Logout"). For the
 * hosted page POST /logout and the cookie API's do=logout. Refusals from one address are folded
 * by the audit log (docs/security.md, "Audit volume under abuse": the first of a window is a row
 * at once, the rest one counted row at the window's end), so each refusal is looked for once the
 * pending counts are written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar, findSetCookie } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const PASSWORD = 'olive has a long password';
const EVIL = 'https://evil.example';

describe('logout is refused or ends the session', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await t.service.registerAccount({ username: 'olive', password: PASSWORD });
  });
  after(() => t.close());

  async function loggedIn(): Promise<CookieJar> {
    const res = await t.app.inject({ method: 'POST', url: '/accounts/action/?do=login', payload: { username: 'olive', password: PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    return new CookieJar().update(res);
  }
  const live = async (jar: CookieJar): Promise<boolean> => (await t.service.resolveCookieSession(jar.get('sessionid')!)) !== null;

  /** The `csrf_rejected` events recorded for the request, once pending counts are written (a counted row carries its last request's id). */
  async function csrfEvents(requestId: unknown): Promise<number> {
    await t.latchkey.audit.flush();
    const rows = await t.latchkey.database.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'csrf_rejected')
      .where('request_id', '=', String(requestId))
      .execute();
    return rows.reduce((sum, r) => {
      const detail = r.detail === null ? {} : (JSON.parse(r.detail) as { count?: unknown });
      return sum + (typeof detail.count === 'number' ? detail.count : 1);
    }, 0);
  }

  function pageLogout(headers: Record<string, string>, fields: Record<string, string> = {}) {
    return t.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(fields).toString(),
    });
  }
  function apiLogout(headers: Record<string, string>) {
    return t.app.inject({ method: 'POST', url: '/accounts/action/?do=logout', headers });
  }

  it('page: a cross-site POST /logout is refused and audited, with or without cookies', async () => {
    const jar = await loggedIn();
    for (const cookies of [{}, jar.headers()]) {
      const res = await pageLogout({ origin: EVIL, ...cookies }, { csrf: jar.get('csrftoken')! });
      assert.equal(res.statusCode, 403);
      assert.equal(findSetCookie(res, 'sessionid'), undefined, 'no cookie is cleared');
      assert.equal(await csrfEvents(res.headers['x-request-id']), 1);
    }
    assert.ok(await live(jar));
  });

  it('page: a logout with sessionid but without the CSRF token is refused and the session stays live', async () => {
    const jar = await loggedIn();
    const res = await pageLogout({ 'sec-fetch-site': 'same-origin', cookie: `sessionid=${jar.get('sessionid')}` });
    assert.equal(res.statusCode, 403);
    assert.equal(findSetCookie(res, 'sessionid'), undefined, 'the cookies are not cleared while the session lives');
    assert.equal(await csrfEvents(res.headers['x-request-id']), 1);
    assert.ok(await live(jar));
  });

  it("page: a logout with sessionid and the session's token (no csrftoken cookie) ends the session", async () => {
    const jar = await loggedIn();
    const res = await pageLogout({ 'sec-fetch-site': 'same-origin', cookie: `sessionid=${jar.get('sessionid')}` }, { csrf: jar.get('csrftoken')! });
    assert.equal(res.statusCode, 303);
    assert.equal(findSetCookie(res, 'sessionid')?.value, '');
    assert.equal(await live(jar), false);
  });

  it('cookie API: a cross-site do=logout is refused and audited, with or without cookies', async () => {
    const jar = await loggedIn();
    for (const cookies of [{}, jar.headers()]) {
      const res = await apiLogout({ origin: EVIL, 'x-csrftoken': jar.get('csrftoken')!, ...cookies });
      assert.equal(res.statusCode, 403);
      assert.equal(findSetCookie(res, 'sessionid'), undefined);
      assert.equal(await csrfEvents(res.headers['x-request-id']), 1);
    }
    assert.ok(await live(jar));
  });

  it('cookie API: do=logout with sessionid but no csrftoken is refused, or ends the session from our own origin', async () => {
    const jar = await loggedIn();
    const refused = await apiLogout({ cookie: `sessionid=${jar.get('sessionid')}` });
    assert.equal(refused.statusCode, 403);
    assert.equal(findSetCookie(refused, 'sessionid'), undefined);
    assert.equal(await csrfEvents(refused.headers['x-request-id']), 1);
    assert.ok(await live(jar));
    const ended = await apiLogout({ cookie: `sessionid=${jar.get('sessionid')}`, origin: 'http://localhost:3000' });
    assert.equal(ended.statusCode, 200);
    assert.equal(await live(jar), false);
  });
});
