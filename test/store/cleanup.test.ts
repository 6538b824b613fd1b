/**
 * The periodic cleanup removes what nobody can use any more and keeps what reuse detection
 * needs: a rotated refresh token stays evidence until its family's absolute expiry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register } from '../support/jwt-api.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('cleanup of expired rows', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await register(t.app, 'tidy', 'tidy-password');
  });
  after(() => t.close());

  const sessionIds = async (): Promise<string[]> =>
    (await t.latchkey.database.db.selectFrom('sessions').select('id').execute()).map((r) => r.id).sort();

  it('keeps live and rotated sessions, removes revoked ones after an hour, and reuse is still detected', async () => {
    const rt0 = await login(t.app, 'tidy', 'tidy-password');
    const rt1 = (await call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(rt0.refresh) })).body.result.token;
    const gone = await login(t.app, 'tidy', 'tidy-password');
    await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: bearer(gone.access) });

    t.clock.advance(HOUR + 1000);
    const report = await t.latchkey.maintenance.runOnce();
    assert.equal(report.sessions, 1, 'only the logged-out session goes');
    const left = await sessionIds();
    assert.ok(left.includes(decodeJwt(rt0.access).payload.sid), 'the rotated session is kept as evidence');
    assert.ok(!left.includes(decodeJwt(gone.access).payload.sid));

    const replay = await call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(rt0.refresh) });
    assert.equal(replay.body.error.code, 'token_reused');
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(rt1.access) })).status, 401);
  });

  it('removes idle-expired and absolutely expired sessions, and nothing else', async () => {
    const idle = await login(t.app, 'tidy', 'tidy-password');
    t.clock.advance(8 * DAY); // past the 7-day refresh idle timeout
    const fresh = await login(t.app, 'tidy', 'tidy-password');
    await t.latchkey.maintenance.runOnce();
    const left = await sessionIds();
    assert.ok(!left.includes(decodeJwt(idle.access).payload.sid));
    assert.ok(left.includes(decodeJwt(fresh.access).payload.sid));
    t.clock.advance(31 * DAY);
    await t.latchkey.maintenance.runOnce();
    assert.deepEqual(await sessionIds(), []);
  });

  it('forgets throttle counters a day after their window began, unless they still block', async () => {
    const db = t.latchkey.database.db;
    const now = t.clock.now();
    await db
      .insertInto('login_throttle')
      .values([
        { key: 'test:stale', failures: 3, window_start: now - DAY - 1, blocked_until: 0 },
        { key: 'test:recent', failures: 3, window_start: now - HOUR, blocked_until: 0 },
        { key: 'test:still-blocking', failures: 30, window_start: now - 2 * DAY, blocked_until: now + HOUR },
      ])
      .execute();
    const report = await t.latchkey.maintenance.runOnce();
    assert.equal(report.throttleCounters, 1);
    const keys = (await db.selectFrom('login_throttle').select('key').where('key', 'like', 'test:%').execute()).map((r) => r.key).sort();
    assert.deepEqual(keys, ['test:recent', 'test:still-blocking']);
  });

  it('is safe to run several times at once', async () => {
    await login(t.app, 'tidy', 'tidy-password');
    const reports = await Promise.all([1, 2, 3].map(() => t.latchkey.maintenance.runOnce()));
    assert.ok(reports.every((r) => r.sessions === 0));
  });
});
