/**
 * POST /api/v1/introspect (docs/decisions.md, "Service access and introspection"; docs/security.md#sec-59): a service with its own key learns whether a
 * user's session cookie, access token or refresh token is live and whose it is, and nothing
 * more. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { action, loginJar } from '../cookie/helpers.js';
import { bearer, call, type JsonResponse } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register, type Pair } from '../support/jwt-api.js';
import { waitFor } from '../support/wait.js';

const PASSWORD = 'Tangerine-Kettle-81';
const HOUR = 3_600_000;

const introspect = (t: TestInstance, key: string, body: unknown): Promise<JsonResponse> =>
  call(t.app, 'POST', '/api/v1/introspect', { json: body, headers: bearer(key) });

/** Asserts an active answer for `uuid`/`username` and returns its `expires`. */
function assertActive(res: JsonResponse, uuid: string, username: string | null): number {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.ok, true);
  assert.deepEqual(Object.keys(res.body.result).sort(), ['active', 'amr', 'expires', 'username', 'uuid'], 'only what a service needs');
  assert.deepEqual(res.body.result.amr, ['pwd'], 'a password login');
  assert.equal(res.body.result.active, true);
  assert.equal(res.body.result.uuid, uuid);
  assert.equal(res.body.result.username, username);
  assert.ok(Number.isSafeInteger(res.body.result.expires));
  return res.body.result.expires as number;
}

function assertInactive(res: JsonResponse, what: string): void {
  assert.equal(res.status, 200, `${what}: ${res.text}`);
  assert.deepEqual(res.body, { ok: true, result: { active: false } }, what);
}

async function accountId(t: TestInstance, access: string): Promise<string> {
  const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) });
  assert.equal(me.status, 200);
  return me.body.result.id as string;
}

describe('introspection of live credentials (argon2id)', () => {
  let t: TestInstance;
  let key: string;
  before(async () => {
    t = await createTestInstance();
    key = (await t.latchkey.services.addServiceKey('billing')).credential;
    await register(t.app, 'alice', PASSWORD);
  });
  after(() => t.close());

  it('names the account of a live session cookie, access token and refresh token, with when each stops working', async () => {
    const loginAt = t.clock.now();
    const pair = await login(t.app, 'alice', PASSWORD);
    const jar = await loginJar(t.app, 'alice', PASSWORD);
    const uuid = await accountId(t, pair.access);

    const session = await introspect(t, key, { session: jar.get('sessionid') });
    assert.equal(assertActive(session, uuid, 'alice'), Math.floor((loginAt + 24 * HOUR) / 1000), 'SESSION_IDLE_TTL after login');

    const access = await introspect(t, key, { token: pair.access });
    assert.equal(assertActive(access, uuid, 'alice'), decodeJwt(pair.access).payload.exp, 'the access token exp');

    const refresh = await introspect(t, key, { token: pair.refresh });
    assert.equal(assertActive(refresh, uuid, 'alice'), Math.floor((loginAt + 7 * 24 * HOUR) / 1000), 'REFRESH_TOKEN_IDLE_TTL after login');

    assert.equal(session.headers['cache-control'], 'no-store');
    assert.ok(!session.text.includes(jar.get('sessionid')!), 'the answer never echoes the credential');
  });

  it('keeps an active user\'s session alive as the cookie API does, and stops at the absolute expiry', async () => {
    const jar = await loginJar(t.app, 'alice', PASSWORD);
    const start = t.clock.now();
    t.clock.advance(20 * HOUR);
    const res = await introspect(t, key, { session: jar.get('sessionid') });
    assert.equal(res.body.result.expires, Math.floor((start + 44 * HOUR) / 1000), 'the idle expiry slid on use');
    t.clock.advance(20 * HOUR); // 40 h after login: alive only because introspection counted as use
    assert.equal((await action(t.app, jar, 'check_login')).status, 200);
    for (let i = 0; i < 15; i++) {
      // 40 h + 15 x 20 h = 340 h: every use slides the idle expiry, none passes the 336 h absolute one
      t.clock.advance(20 * HOUR);
      await introspect(t, key, { session: jar.get('sessionid') });
    }
    assertInactive(await introspect(t, key, { session: jar.get('sessionid') }), 'past SESSION_ABSOLUTE_TTL (14 d)');
  });

  it('answers inactive for an expired access token while its refresh token is still live', async () => {
    const pair = await login(t.app, 'alice', PASSWORD);
    t.clock.advance(16 * 60_000);
    assertInactive(await introspect(t, key, { token: pair.access }), 'access token past exp');
    assert.equal((await introspect(t, key, { token: pair.refresh })).body.result.active, true);
  });

  it('never rotates a refresh token; after a rotation the old one is inactive and the new one active', async () => {
    const first = await login(t.app, 'alice', PASSWORD);
    const uuid = await accountId(t, first.access);
    for (let i = 0; i < 3; i++) assertActive(await introspect(t, key, { token: first.refresh }), uuid, 'alice');
    const rotated = await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: first.refresh } });
    assert.equal(rotated.status, 200, 'introspection left the token usable');
    const next = rotated.body.result.token as Pair;
    assertInactive(await introspect(t, key, { token: first.refresh }), 'rotated refresh token (even inside the reuse grace window)');
    assertInactive(await introspect(t, key, { token: first.access }), 'access token of the rotated session');
    assertActive(await introspect(t, key, { token: next.refresh }), uuid, 'alice');
    assertActive(await introspect(t, key, { token: next.access }), uuid, 'alice');
  });

  it('SEC-33/40 answers inactive once the user logs out, on either API', async () => {
    const pair = await login(t.app, 'alice', PASSWORD);
    const jar = await loginJar(t.app, 'alice', PASSWORD);
    const out = await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: bearer(pair.access) });
    assert.equal(out.status, 200);
    assertInactive(await introspect(t, key, { token: pair.access }), 'access token after logout');
    assertInactive(await introspect(t, key, { token: pair.refresh }), 'refresh token after logout');
    assert.equal((await introspect(t, key, { session: jar.get('sessionid') })).body.result.active, true, 'the other session is untouched');
    const sessionid = jar.get('sessionid')!;
    const cookieOut = await action(t.app, jar, 'logout', {}, { 'x-csrftoken': jar.get('csrftoken')! });
    assert.equal(cookieOut.status, 200);
    assertInactive(await introspect(t, key, { session: sessionid }), 'session cookie after logout');
  });

  it('SEC-57 answers inactive for every credential after a password change', async () => {
    const created = await call(t.app, 'POST', '/api/account', { json: { username: 'carol@example.com', password: PASSWORD } });
    assert.equal(created.status, 201, created.text);
    const pair = await login(t.app, 'carol@example.com', PASSWORD);
    const jar = await loginJar(t.app, 'carol@example.com', PASSWORD);
    assert.equal((await introspect(t, key, { session: jar.get('sessionid') })).body.result.active, true);
    const basic = `Basic ${Buffer.from(`carol@example.com:${PASSWORD}`).toString('base64')}`;
    const changed = await call(t.app, 'POST', '/api/account/pw/change', {
      json: { username: 'carol@example.com', password: 'Marmalade-Compass-27' },
      headers: { authorization: basic },
    });
    assert.equal(changed.status, 200, changed.text);
    assertInactive(await introspect(t, key, { session: jar.get('sessionid') }), 'session after password change');
    assertInactive(await introspect(t, key, { token: pair.access }), 'access token after password change');
    assertInactive(await introspect(t, key, { token: pair.refresh }), 'refresh token after password change');
  });

  it('answers inactive for a disabled account and for unknown, forged or malformed credentials', async () => {
    const pair = await login(t.app, 'alice', PASSWORD);
    const uuid = await accountId(t, pair.access);
    const [h, p] = pair.access.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(pair.access).payload, sub: randomBytes(4).toString('hex') })).toString('base64url');
    const cases: Array<[string, unknown]> = [
      ['unknown session', { session: randomBytes(32).toString('base64url') }],
      ['refresh token as session', { session: pair.refresh }],
      ['unknown refresh token', { token: randomBytes(32).toString('base64url') }],
      ['tampered access token', { token: `${h}.${forgedPayload}.${pair.access.split('.')[2]}` }],
      ['access token without signature', { token: `${h}.${p}.` }],
      ['not a JWT', { token: 'a.b.c' }],
      ['junk', { token: '\u0007%%' }],
      ['junk session', { session: '"; drop table sessions; --' }],
    ];
    for (const [what, body] of cases) assertInactive(await introspect(t, key, body), what);

    const jar = await loginJar(t.app, 'alice', PASSWORD);
    await t.latchkey.database.db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', uuid).execute();
    try {
      // A statement outside the stores reaches a PostgreSQL node's session cache through the
      // database's notification, moments later (docs/decisions.md, "Session cache on PostgreSQL
      // nodes"); the notification names the account, so once the access token is refused its
      // session cookie's copy is gone too.
      await waitFor('the access token of the disabled account to be refused', async () => (await introspect(t, key, { token: pair.access })).body.result?.active === false, { timeoutMs: 10_000 });
      assertInactive(await introspect(t, key, { token: pair.access }), 'access token of a disabled account');
      assertInactive(await introspect(t, key, { token: pair.refresh }), 'refresh token of a disabled account');
      assertInactive(await introspect(t, key, { session: jar.get('sessionid') }), 'session of a disabled account');
    } finally {
      await t.latchkey.database.db.updateTable('accounts').set({ status: 'active' }).where('id', '=', uuid).execute();
    }
  });

  it('SEC-59/65 records each lookup as an audit event naming the service, with no credential in any log line', async () => {
    const pair = await login(t.app, 'alice', PASSWORD);
    await introspect(t, key, { token: pair.refresh });
    const lookups = t.logs.filter((l) => l.includes('"event":"service_lookup"'));
    assert.ok(lookups.some((l) => l.includes('"service\\":\\"billing') || l.includes('"service":"billing"')), 'a service_lookup event names the service');
    const secrets = [key, key.slice('lks_'.length + 36 + 1), pair.refresh, pair.access];
    for (const line of t.logs) for (const s of secrets) assert.ok(!line.includes(s), `a secret reached the log: ${line.slice(0, 200)}`);
  });

  it('records creating and revoking a key as audit events, without the key', async () => {
    const created = await t.latchkey.services.addServiceKey('audited');
    await t.latchkey.services.revokeServiceKey('audited');
    const rows = await t.latchkey.database.db
      .selectFrom('audit_events')
      .select(['type', 'outcome', 'detail'])
      .where('type', 'in', ['service_key_add', 'service_key_revoke'])
      .execute();
    const mine = rows.filter((r) => r.detail?.includes(created.key.id));
    assert.deepEqual(mine.map((r) => `${r.type}:${r.outcome}`).sort(), ['service_key_add:success', 'service_key_revoke:success']);
    for (const r of rows) assert.ok(!r.detail?.includes(created.credential.slice(-43)), 'no secret in the audit row');
  });

  it('records when a key was last used', async () => {
    const [listed] = (await t.latchkey.services.listServiceKeys()).filter((k) => k.name === 'billing');
    assert.ok(listed?.lastUsedAt !== null && listed!.lastUsedAt! > 0);
  });
});

describe('introspection: who may ask (argon2id)', () => {
  let t: TestInstance;
  let key: string;
  let pair: Pair;
  let sessionid: string;
  before(async () => {
    t = await createTestInstance();
    key = (await t.latchkey.services.addServiceKey('crm')).credential;
    await register(t.app, 'dave', PASSWORD);
    pair = await login(t.app, 'dave', PASSWORD);
    sessionid = (await loginJar(t.app, 'dave', PASSWORD)).get('sessionid')!;
  });
  after(() => t.close());

  function assertUnauthorized(res: JsonResponse, what: string): void {
    assert.equal(res.status, 401, `${what}: ${res.text}`);
    assert.equal(res.body.ok, false, what);
    assert.equal(res.body.error.code, 'not_authenticated', what);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="latchkey-services"', what);
    assert.ok(!('result' in res.body), what);
  }

  it('SEC-59 refuses with 401 a request without a service key, or with a user credential in its place', async () => {
    const body = { token: pair.access };
    assertUnauthorized(await call(t.app, 'POST', '/api/v1/introspect', { json: body }), 'no Authorization');
    assertUnauthorized(await introspect(t, pair.access, body), "a user's access token as key");
    assertUnauthorized(await introspect(t, pair.refresh, body), "a user's refresh token as key");
    assertUnauthorized(await introspect(t, sessionid, body), "a user's session cookie as key");
    const basic = `Basic ${Buffer.from(`dave:${PASSWORD}`).toString('base64')}`;
    assertUnauthorized(await call(t.app, 'POST', '/api/v1/introspect', { json: body, headers: { authorization: basic } }), "a user's password");
    const cookie = await call(t.app, 'POST', '/api/v1/introspect', { json: body, headers: { cookie: `sessionid=${sessionid}` } });
    assertUnauthorized(cookie, "a user's session cookie sent as a cookie");
  });

  it('SEC-59 refuses with 401 a wrong secret for a real key id, a made-up key, and a revoked key', async () => {
    const [, id] = /^lks_([^_]+)_/.exec(key)!;
    assertUnauthorized(await introspect(t, `lks_${id}_${randomBytes(32).toString('base64url')}`, { session: sessionid }), 'wrong secret');
    assertUnauthorized(await introspect(t, `lks_${randomUUID()}_${randomBytes(32).toString('base64url')}`, { session: sessionid }), 'unknown id');
    assertUnauthorized(await introspect(t, `${key}x`, { session: sessionid }), 'key with a character added');

    const second = (await t.latchkey.services.addServiceKey('reports')).credential;
    assert.equal((await introspect(t, second, { session: sessionid })).body.result.active, true);
    await t.latchkey.services.revokeServiceKey('reports');
    assertUnauthorized(await introspect(t, second, { session: sessionid }), 'revoked key');
    assert.equal((await introspect(t, key, { session: sessionid })).body.result.active, true, 'other keys keep working');
  });

  it('checks the key before the body: an unauthenticated malformed request is 401, not 400', async () => {
    const res = await call(t.app, 'POST', '/api/v1/introspect', { payload: '{not json', headers: { 'content-type': 'application/json' } });
    assertUnauthorized(res, 'malformed body without a key');
  });

  it('answers 400 with a clear error for malformed bodies, both fields, or neither', async () => {
    const cases: Array<[string, { json?: unknown; payload?: string; contentType?: string }, number, RegExp]> = [
      ['both fields', { json: { session: sessionid, token: pair.access } }, 400, /exactly one of "session".*or "token"/],
      ['neither field', { json: {} }, 400, /exactly one/],
      ['unknown field', { json: { uuid: 'x' } }, 400, /unknown field: uuid/],
      ['token as a number', { json: { token: 5 } }, 400, /token must be a string/],
      ['session as an array', { json: { session: [sessionid] } }, 400, /session must be a string/],
      ['empty token', { json: { token: '' } }, 400, /token/],
      ['oversized token', { json: { token: 'x'.repeat(5000) } }, 400, /token/],
      ['an array body', { json: [{ token: pair.access }] }, 400, /JSON object/],
      ['invalid JSON', { payload: '{"token":', contentType: 'application/json' }, 400, /not valid JSON/],
      ['empty body', { payload: '', contentType: 'application/json' }, 400, /./],
      ['form body', { payload: 'token=abc', contentType: 'application/x-www-form-urlencoded' }, 415, /application\/json/],
    ];
    for (const [what, c, status, message] of cases) {
      const headers: Record<string, string> = { ...bearer(key), ...(c.contentType ? { 'content-type': c.contentType } : {}) };
      const res = await call(t.app, 'POST', '/api/v1/introspect', { ...(c.json !== undefined ? { json: c.json } : { payload: c.payload ?? '' }), headers });
      assert.equal(res.status, status, `${what}: ${res.text}`);
      assert.equal(res.body.ok, false, what);
      assert.match(res.body.error.message, message, what);
    }
  });

  it('answers 405 for another method on the path', async () => {
    const res = await call(t.app, 'GET', '/api/v1/introspect', { headers: bearer(key) });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'POST');
  });
});

describe('introspection rate limit per service key', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  it('SEC-59 answers 429 with Retry-After past the key\'s limit, leaves other keys alone, and allows again next minute', async () => {
    const limited = (await t.latchkey.services.addServiceKey('chatty', { rateLimit: 3 })).credential;
    const other = (await t.latchkey.services.addServiceKey('quiet', { rateLimit: 3 })).credential;
    for (let i = 0; i < 3; i++) assert.equal((await introspect(t, limited, { session: 'x' })).status, 200);
    t.clock.advance(15_000);
    const refused = await introspect(t, limited, { session: 'x' });
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body.error.code, 'throttled');
    assert.equal(refused.headers['retry-after'], '45');
    assert.equal((await introspect(t, limited, { token: 'y' })).status, 429, 'still refused');
    assert.equal((await introspect(t, other, { session: 'x' })).status, 200, 'a separate budget per key');
    assert.ok(t.logs.some((l) => l.includes('"event":"rate_limited"')), 'the refusal is an audit event');
    t.clock.advance(46_000);
    assert.equal((await introspect(t, limited, { session: 'x' })).status, 200, 'a new window');
  });

  it('does not count requests without a valid key against any key', async () => {
    const key = (await t.latchkey.services.addServiceKey('strict', { rateLimit: 1 })).credential;
    const [, id] = /^lks_([^_]+)_/.exec(key)!;
    for (let i = 0; i < 5; i++) {
      assert.equal((await introspect(t, `lks_${id}_${randomBytes(32).toString('base64url')}`, { session: 'x' })).status, 401);
    }
    assert.equal((await introspect(t, key, { session: 'x' })).status, 200, 'an attacker with the id cannot spend the budget');
  });
});
