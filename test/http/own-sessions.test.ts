/**
 * A user's own sessions on the JWT API (README, "The JSON API"): GET /api/v1/account/sessions, DELETE
 * /api/v1/account/sessions/{id} and POST /api/v1/account/sessions/revoke-others. Runs on SQLite,
 * and on PostgreSQL with TEST_DATABASE_URL. Logins go through the real argon2id hasher, except
 * in the suite that opens a hundred sessions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { action, loginJar } from '../cookie/helpers.js';
import { bearer, call, type JsonResponse } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, register, type Pair } from '../support/jwt-api.js';

const PASSWORD = 'own sessions password';
const SESSIONS = '/api/v1/account/sessions';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Logs in through HTTP from a given address and user agent. */
async function loginFrom(app: FastifyInstance, username: string, from: { ip: string; ua: string }): Promise<Pair> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/account/login',
    remoteAddress: from.ip,
    headers: { 'content-type': 'application/json', 'user-agent': from.ua },
    payload: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.statusCode, 200, res.body);
  return JSON.parse(res.body).result.token as Pair;
}

const list = (t: TestInstance, access: string): Promise<JsonResponse> => call(t.app, 'GET', SESSIONS, { headers: bearer(access) });
const end = (t: TestInstance, access: string, id: string): Promise<JsonResponse> => call(t.app, 'DELETE', `${SESSIONS}/${id}`, { headers: bearer(access) });
const endOthers = (t: TestInstance, access: string): Promise<JsonResponse> => call(t.app, 'POST', `${SESSIONS}/revoke-others`, { headers: bearer(access) });
const me = async (t: TestInstance, access: string): Promise<number> => (await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status;
const refresh = (t: TestInstance, token: string): Promise<JsonResponse> => call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(token) });
const familyOf = (pair: Pair): string => decodeJwt(pair.access).payload.sid as string;

describe('own sessions through the JWT API (argon2id)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance();
    await register(t.app, 'alice', PASSWORD);
    await register(t.app, 'bob', PASSWORD);
  });
  after(() => t.close());

  it('lists each live login once, this one first and marked current, with its IP, user agent and times', async () => {
    const laptop = await loginFrom(t.app, 'alice', { ip: '203.0.113.7', ua: 'Laptop/1.0' });
    const loginTime = t.clock.now();
    t.clock.advance(120_000);
    const phone = await loginFrom(t.app, 'alice', { ip: '198.51.100.20', ua: 'Phone/2.0' });
    // The phone refreshes twice, later and from elsewhere: still one session, with the login's id and time.
    t.clock.advance(120_000);
    const phone1 = (await refresh(t, phone.refresh)).body.result.token as Pair;
    t.clock.advance(120_000);
    const phone2 = (await refresh(t, phone1.refresh)).body.result.token as Pair;
    const cookieJar = await loginJar(t.app, 'alice', PASSWORD);
    t.clock.advance(120_000);

    const res = await list(t, laptop.access);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.body.ok, true);
    const sessions = res.body.result.sessions as Array<Record<string, unknown>>;
    assert.equal(sessions.length, 3, 'the laptop, the phone (one chain of three rows) and the cookie login');
    for (const s of sessions) {
      assert.deepEqual(Object.keys(s), ['id', 'kind', 'created', 'lastSeen', 'ip', 'userAgent', 'current']);
      assert.match(String(s.created), ISO);
      assert.match(String(s.lastSeen), ISO);
    }
    const [first, ...rest] = sessions;
    assert.deepEqual(first, {
      id: familyOf(laptop),
      kind: 'token',
      created: new Date(loginTime).toISOString(),
      lastSeen: new Date(t.clock.now()).toISOString(), // touched by this very request
      ip: '203.0.113.7',
      userAgent: 'Laptop/1.0',
      current: true,
    });
    const phoneView = rest.find((s) => s.id === familyOf(phone));
    assert.ok(phoneView, 'the phone is listed under the id of its first login');
    assert.equal(phoneView.kind, 'token');
    assert.equal(phoneView.current, false);
    assert.equal(phoneView.created, new Date(loginTime + 120_000).toISOString(), 'created is the login, not the last refresh');
    assert.equal(phoneView.lastSeen, new Date(loginTime + 360_000).toISOString(), 'last seen is the latest refresh');
    assert.equal(phoneView.ip, '127.0.0.1', 'the refresh came from the inject default address');
    const cookieView = rest.find((s) => s.kind === 'cookie');
    assert.ok(cookieView);
    assert.equal(cookieView.current, false);
    assert.doesNotMatch(res.text, /secret|hash/i);
    assert.ok(!res.text.includes(phone2.refresh) && !res.text.includes(cookieJar.get('sessionid')!));

    // From the phone's newest token, the phone is the current one.
    const fromPhone = await list(t, phone2.access);
    assert.equal(fromPhone.body.result.sessions[0].id, familyOf(phone));
    assert.equal(fromPhone.body.result.sessions[0].current, true);
    assert.equal(fromPhone.body.result.sessions.filter((s: { current: boolean }) => s.current).length, 1);

    // Bob sees only his own.
    const bob = await loginFrom(t.app, 'bob', { ip: '192.0.2.1', ua: 'Bob/1' });
    const bobs = (await list(t, bob.access)).body.result.sessions as Array<{ id: string }>;
    assert.deepEqual(bobs.map((s) => s.id), [familyOf(bob)]);
  });

  it('SEC-40 ending a token session by its listed id kills its access and refresh tokens at once, even after refreshes', async () => {
    const mine = await loginFrom(t.app, 'alice', { ip: '203.0.113.8', ua: 'Mine' });
    const theirs = await loginFrom(t.app, 'alice', { ip: '203.0.113.9', ua: 'Theirs' });
    const listedId = familyOf(theirs);
    const refreshed = (await refresh(t, theirs.refresh)).body.result.token as Pair;
    assert.equal(familyOf(refreshed), listedId, 'a refresh keeps the listed id');
    assert.equal(await me(t, refreshed.access), 200);

    const res = await end(t, mine.access, listedId);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.deepEqual(res.body, { ok: true, result: { current: false } });
    assert.equal(await me(t, refreshed.access), 401, 'its access token is refused at once');
    assert.equal((await refresh(t, refreshed.refresh)).status, 401, 'its refresh token too');
    assert.equal(await me(t, mine.access), 200, 'the caller is untouched');
    const ids = ((await list(t, mine.access)).body.result.sessions as Array<{ id: string }>).map((s) => s.id);
    assert.ok(!ids.includes(listedId));
    assert.equal((await end(t, mine.access, listedId)).status, 404, 'an ended session is not found');
  });

  it('ending a cookie session from the JWT API logs that browser out at once', async () => {
    const mine = await loginFrom(t.app, 'alice', { ip: '203.0.113.8', ua: 'Mine' });
    const jar = await loginJar(t.app, 'alice', PASSWORD);
    assert.equal((await action(t.app, jar, 'check_login')).status, 200);
    const cookie = ((await list(t, mine.access)).body.result.sessions as Array<{ id: string; kind: string; lastSeen: string }>).find(
      (s) => s.kind === 'cookie' && s.lastSeen === new Date(t.clock.now()).toISOString(),
    );
    assert.ok(cookie);
    assert.equal((await end(t, mine.access, cookie.id)).status, 200);
    assert.equal((await action(t.app, jar, 'check_login')).status, 401);
  });

  it("another account's session id is 404 not_found, byte for byte like an unknown id, and that session lives on", async () => {
    const alice = await loginFrom(t.app, 'alice', { ip: '203.0.113.8', ua: 'A' });
    const bob = await loginFrom(t.app, 'bob', { ip: '192.0.2.1', ua: 'B' });
    const foreign = await end(t, alice.access, familyOf(bob));
    const unknown = await end(t, alice.access, '00000000-0000-4000-8000-000000000000');
    assert.equal(foreign.status, 404);
    assert.deepEqual(foreign.body, { ok: false, error: { code: 'not_found', message: 'no such session' } });
    assert.equal(foreign.text, unknown.text);
    assert.equal(await me(t, bob.access), 200, "bob's session was not touched");
  });

  it('ending your own session is a logout: current: true, and its tokens stop working', async () => {
    const pair = await loginFrom(t.app, 'alice', { ip: '203.0.113.8', ua: 'Self' });
    const res = await end(t, pair.access, familyOf(pair));
    assert.deepEqual(res.body, { ok: true, result: { current: true } });
    assert.equal(await me(t, pair.access), 401);
    assert.equal((await refresh(t, pair.refresh)).status, 401);
    assert.equal((await list(t, pair.access)).status, 401);
  });

  it('log out everywhere else ends every other token and cookie session and keeps this one with its refresh chain', async () => {
    const carol = 'carol';
    await register(t.app, carol, PASSWORD);
    const other1 = await loginFrom(t.app, carol, { ip: '203.0.113.1', ua: 'Other 1' });
    const other2 = await loginFrom(t.app, carol, { ip: '203.0.113.2', ua: 'Other 2' });
    const other2b = (await refresh(t, other2.refresh)).body.result.token as Pair;
    const jar = await loginJar(t.app, carol, PASSWORD);
    const here0 = await loginFrom(t.app, carol, { ip: '203.0.113.3', ua: 'Here' });
    const here1 = (await refresh(t, here0.refresh)).body.result.token as Pair;

    const res = await endOthers(t, here1.access);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.deepEqual(res.body, { ok: true, result: { revoked: 3 } });
    assert.equal(await me(t, other1.access), 401);
    assert.equal((await refresh(t, other1.refresh)).status, 401);
    assert.equal(await me(t, other2b.access), 401);
    assert.equal((await refresh(t, other2b.refresh)).status, 401);
    assert.equal((await action(t.app, jar, 'check_login')).status, 401);
    assert.equal(await me(t, here1.access), 200, 'this session survives');
    const left = (await list(t, here1.access)).body.result.sessions as Array<{ id: string; current: boolean }>;
    assert.deepEqual(left.map((s) => [s.id, s.current]), [[familyOf(here0), true]]);

    // The kept chain is intact: inside the grace window the previous refresh token still answers
    // the same successor, and after it a replay is still detected as reuse.
    const again = await refresh(t, here0.refresh);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.result.token.refresh, here1.refresh);
    t.clock.advance(11_000);
    const replay = await refresh(t, here0.refresh);
    assert.equal(replay.body.error.code, 'token_reused');
    assert.equal(await me(t, here1.access), 401, 'reuse detection still revokes the kept chain');

    const alone = await loginFrom(t.app, carol, { ip: '203.0.113.3', ua: 'Alone' });
    assert.deepEqual((await endOthers(t, alone.access)).body, { ok: true, result: { revoked: 0 } });
  });

  it('refuses every route without a valid access token with 401 not_authenticated', async () => {
    const pair = await loginFrom(t.app, 'alice', { ip: '203.0.113.8', ua: 'X' });
    const id = familyOf(pair);
    for (const headers of [{}, bearer('garbage'), bearer(pair.refresh), { authorization: `Basic ${Buffer.from('alice:' + PASSWORD).toString('base64')}` }]) {
      for (const [method, url] of [['GET', SESSIONS], ['DELETE', `${SESSIONS}/${id}`], ['POST', `${SESSIONS}/revoke-others`]] as const) {
        const res = await call(t.app, method, url, { headers });
        assert.equal(res.status, 401, `${method} ${url} ${JSON.stringify(headers)}`);
        assert.equal(res.body.error.code, 'not_authenticated');
      }
    }
    assert.equal(await me(t, pair.access), 200, 'nothing was ended');
  });

  it('answers a malformed id with 400 or 404 in the JWT API format, never 500', async () => {
    const pair = await loginFrom(t.app, 'alice', { ip: '203.0.113.8', ua: 'X' });
    const bad = [
      'not-a-uuid',
      familyOf(pair).toUpperCase(),
      `${familyOf(pair)}x`,
      "' OR 1=1 --",
      '%00',
      '%E0%A4%A',
      'a'.repeat(300),
      '..%2F..%2Fetc',
      '%F0%9F%92%A9',
    ];
    for (const id of bad) {
      const res = await call(t.app, 'DELETE', `${SESSIONS}/${id}`, { headers: bearer(pair.access) });
      // 414 is the router's answer to a path segment over maxParamLength (200), app-wide.
      assert.ok([400, 404, 414].includes(res.status), `${id}: ${res.status} ${res.text}`);
      assert.equal(res.body.ok, false, id);
    }
    const notUuid = await call(t.app, 'DELETE', `${SESSIONS}/not-a-uuid`, { headers: bearer(pair.access) });
    assert.equal(notUuid.status, 400);
    assert.equal(notUuid.body.error.code, 'invalid_input');
    assert.equal(notUuid.body.error.field, 'id');
    assert.equal(await me(t, pair.access), 200);
    // A body or the wrong method changes nothing either.
    const withBody = await call(t.app, 'POST', `${SESSIONS}/revoke-others`, { headers: bearer(pair.access), json: {} });
    assert.ok(withBody.status < 500, withBody.text);
    assert.equal((await call(t.app, 'PUT', SESSIONS, { headers: bearer(pair.access) })).status, 405);
  });
});

describe('own sessions: the list limit (fast hasher)', () => {
  let t: TestInstance;
  before(async () => {
    // Above the list's 100: an operator may raise MAX_SESSIONS_PER_ACCOUNT past it (the default, 100, never lists more).
    t = await createTestInstance({ hasher: 'fast', env: { MAX_SESSIONS_PER_ACCOUNT: '1000' } });
    await register(t.app, 'busy', PASSWORD);
  });
  after(() => t.close());

  it('lists the 100 most recently used sessions and always the caller’s own, first', async () => {
    const ctx = { ip: '192.0.2.9', userAgent: 'script' };
    const oldest = await t.service.loginForTokens('busy', PASSWORD, ctx);
    t.clock.advance(10_000);
    for (let i = 0; i < 100; i += 1) await t.service.loginForTokens('busy', PASSWORD, ctx);
    t.clock.advance(10_000); // under the touch interval: the caller's last-seen stays the oldest
    const res = await list(t, oldest.access);
    assert.equal(res.status, 200, res.text);
    const sessions = res.body.result.sessions as Array<{ id: string; current: boolean }>;
    assert.equal(sessions.length, 101);
    assert.deepEqual(sessions[0], { ...sessions[0], id: familyOf(oldest), current: true });
    assert.equal(new Set(sessions.map((s) => s.id)).size, 101);
    // Another of the hundred sees 100 (no caller to add).
    const last = await t.service.loginForTokens('busy', PASSWORD, ctx);
    const fromLast = (await list(t, last.access)).body.result.sessions as Array<{ id: string }>;
    assert.equal(fromLast.length, 100);
    assert.equal(fromLast[0]!.id, familyOf(last));
  });

  it('shows a session opened without an address or user agent with null for both', async () => {
    await register(t.app, 'quiet', PASSWORD);
    const cookie = await t.service.loginForCookie('quiet', PASSWORD, { ip: null, userAgent: null });
    const pair = await t.service.loginForTokens('quiet', PASSWORD, { ip: null, userAgent: null });
    const res = await list(t, pair.access);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      (res.body.result.sessions as Array<Record<string, unknown>>).map((s) => [s.id, s.kind, s.ip, s.userAgent, s.current]),
      [
        [familyOf(pair), 'token', null, null, true],
        [cookie.session.id, 'cookie', null, null, false],
      ],
    );
  });
});
