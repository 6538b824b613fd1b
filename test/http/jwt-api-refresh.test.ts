/**
 * Refresh-token rotation with reuse detection (RFC 9700 §4.14.2; docs/security.md, SEC-41 to SEC-44): every use
 * rotates; a rotated token presented again after the grace window revokes the whole chain;
 * concurrent refreshes inside the grace window get one successor.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call, type JsonResponse } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register, type Pair } from '../support/jwt-api.js';

const refreshGet = (t: TestInstance, token: string): Promise<JsonResponse> =>
  call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(token) });
const me = (t: TestInstance, access: string): Promise<JsonResponse> =>
  call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) });

describe('refresh rotation (argon2id, default 10 s grace)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance();
    await register(t.app, 'rot', 'rotation-password');
  });
  after(() => t.close());

  it('SEC-41 GET with the refresh token as bearer returns a new pair; the old tokens are dead', async () => {
    const first = await login(t.app, 'rot', 'rotation-password');
    const res = await refreshGet(t, first.refresh);
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const next = res.body.result.token as Pair;
    assert.notEqual(next.refresh, first.refresh);
    assert.equal(decodeJwt(next.access).payload.sid, decodeJwt(first.access).payload.sid, 'the login keeps its session id');
    assert.notEqual(decodeJwt(next.access).payload.jti, decodeJwt(first.access).payload.jti, 'each generation has its own access token id');
    assert.equal((await me(t, next.access)).status, 200);
    assert.equal((await me(t, first.access)).status, 401, 'refresh ends the old access token (README, "The JSON API")');
  });

  it('POST with {"refresh"} works the same', async () => {
    const first = await login(t.app, 'rot', 'rotation-password');
    const res = await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: first.refresh } });
    assert.equal(res.status, 200);
    assert.equal((await me(t, res.body.result.token.access)).status, 200);
  });

  it('SEC-38 refuses an access token, garbage and a missing token at /refresh', async () => {
    const pair = await login(t.app, 'rot', 'rotation-password');
    for (const headers of [bearer(pair.access), bearer('garbage'), {}]) {
      const res = await call(t.app, 'GET', '/api/v1/account/refresh', { headers });
      assert.equal(res.status, 401);
    }
    assert.equal((await me(t, pair.access)).status, 200, 'a failed refresh does not hurt the session');
  });

  it('SEC-42 replaying RT0 after RT0 -> RT1 -> RT2 revokes the whole chain: RT2 and its access token die', async () => {
    const rt0 = await login(t.app, 'rot', 'rotation-password');
    const rt1 = (await refreshGet(t, rt0.refresh)).body.result.token as Pair;
    const rt2 = (await refreshGet(t, rt1.refresh)).body.result.token as Pair;
    assert.equal((await me(t, rt2.access)).status, 200);
    t.clock.advance(11_000); // past the grace window
    const replay = await refreshGet(t, rt0.refresh);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error.code, 'token_reused');
    assert.equal((await refreshGet(t, rt2.refresh)).status, 401);
    assert.equal((await me(t, rt2.access)).status, 401);
  });

  it('SEC-42 a chain built within one second is still detected (no timestamp-granularity hole)', async () => {
    const rt0 = await login(t.app, 'rot', 'rotation-password');
    const rt1 = (await refreshGet(t, rt0.refresh)).body.result.token as Pair;
    const rt2 = (await refreshGet(t, rt1.refresh)).body.result.token as Pair;
    const rt3 = (await refreshGet(t, rt2.refresh)).body.result.token as Pair;
    // RT0 is not the immediate predecessor of the live token, so even inside the grace window it is reuse.
    const replay = await refreshGet(t, rt0.refresh);
    assert.equal(replay.status, 401);
    assert.equal((await refreshGet(t, rt3.refresh)).status, 401);
    assert.equal((await me(t, rt3.access)).status, 401);
  });

  it('SEC-43 20 concurrent refreshes of one token inside the grace window yield one successor, which works', async () => {
    const rt0 = await login(t.app, 'rot', 'rotation-password');
    const results = await Promise.all(Array.from({ length: 20 }, () => refreshGet(t, rt0.refresh)));
    assert.deepEqual(
      results.map((r) => r.status),
      Array(20).fill(200),
    );
    const refreshes = new Set(results.map((r) => r.body.result.token.refresh));
    const accesses = new Set(results.map((r) => r.body.result.token.access));
    assert.equal(refreshes.size, 1);
    assert.equal(accesses.size, 1);
    const family = decodeJwt(rt0.access).payload.sid;
    const rows = await t.latchkey.database.db.selectFrom('sessions').select(['id', 'generation']).where('family_id', '=', family).execute();
    assert.deepEqual(rows.map((r) => Number(r.generation)), [1], 'one row, rotated exactly once');
    const [successor] = [...refreshes];
    assert.equal((await me(t, [...accesses][0]!)).status, 200);
    assert.equal((await refreshGet(t, successor!)).status, 200);
  });

  it('SEC-37 access tokens expire after ACCESS_TOKEN_TTL on the server clock', async () => {
    const pair = await login(t.app, 'rot', 'rotation-password');
    t.clock.advance(899_000);
    assert.equal((await me(t, pair.access)).status, 200);
    t.clock.advance(2_000);
    assert.equal((await me(t, pair.access)).status, 401);
    assert.equal((await refreshGet(t, pair.refresh)).status, 200, 'the refresh token outlives the access token');
  });

  it('SEC-44 a refresh chain dies when idle for 7 days, and at 30 days however often it is used', async () => {
    const idle = await login(t.app, 'rot', 'rotation-password');
    t.clock.advance(7 * 86_400_000 + 1000);
    assert.equal((await refreshGet(t, idle.refresh)).status, 401);

    let pair = await login(t.app, 'rot', 'rotation-password');
    for (let day = 6; day < 30; day += 6) {
      t.clock.advance(6 * 86_400_000);
      const res = await refreshGet(t, pair.refresh);
      assert.equal(res.status, 200, `day ${day}`);
      pair = res.body.result.token;
    }
    t.clock.advance(6 * 86_400_000); // day 30
    assert.equal((await refreshGet(t, pair.refresh)).status, 401);
  });
});

describe('refresh rotation with the grace window disabled (REFRESH_REUSE_GRACE=0)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { REFRESH_REUSE_GRACE: '0' } });
    await register(t.app, 'strict', 'strict-password');
  });
  after(() => t.close());

  it('SEC-43 of 10 concurrent refreshes of one token exactly one succeeds', async () => {
    const rt0 = await login(t.app, 'strict', 'strict-password');
    const results = await Promise.all(Array.from({ length: 10 }, () => refreshGet(t, rt0.refresh)));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.equal(results.filter((r) => r.status === 401).length, 9);
  });

  it('SEC-42 an immediate replay of the previous token is reuse', async () => {
    const rt0 = await login(t.app, 'strict', 'strict-password');
    const rt1 = (await refreshGet(t, rt0.refresh)).body.result.token as Pair;
    assert.equal((await refreshGet(t, rt0.refresh)).body.error.code, 'token_reused');
    assert.equal((await me(t, rt1.access)).status, 401);
  });
});
