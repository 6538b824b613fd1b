/**
 * Throttle and mail-budget keys hold a keyed hash, never what was typed (docs/security.md,
 * "Throttle keys hold no typed text"): a password typed into the username field, a name with no
 * account and an email address never appear in login_throttle or under the Redis prefix. The
 * upgrade's migration purges rows an earlier release keyed by clear text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { up as purgeClearTextKeys } from '../../src/store/migrations/2026-12-06T0300-throttle-keys-hashed.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { deleteRedisPrefix, newRedisPrefix, openTestRedis, redisKeys, redisSkipReason, TEST_REDIS_URL } from '../support/redis.js';

const redisSkip = await redisSkipReason();
const TYPED_SECRET = 'Correct-Horse-Battery-9';
const UNKNOWN = 'nobody-by-this-name';
const PASSWORD = 'nell has a long password';

for (const store of ['database', 'redis'] as const) {
  describe(`throttle keys hold no typed text (${store})`, { skip: store === 'redis' ? (redisSkip ?? false) : false }, () => {
    const prefix = newRedisPrefix();
    let t: TestInstance;
    before(async () => {
      t = await createTestInstance({ hasher: 'fast', env: store === 'redis' ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix } : {} });
      await t.service.registerAccount({ username: 'nell', email: 'nell@example.com', password: PASSWORD });
    });
    after(async () => {
      await t?.close();
      if (store === 'redis') await deleteRedisPrefix(prefix);
    });

    async function storedKeys(): Promise<string[]> {
      if (store === 'database') return (await t.latchkey.database.db.selectFrom('login_throttle').select('key').execute()).map((r) => r.key);
      const redis = openTestRedis();
      redis.on('error', () => {});
      try {
        await redis.connect();
        return await redisKeys(redis, prefix);
      } finally {
        redis.disconnect();
      }
    }

    it('failed logins, reset requests and mail budgets leave no typed identifier in any key', async () => {
      const login = (username: string) =>
        t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username, password: 'a wrong guess' }, remoteAddress: '10.8.0.1' });
      for (const typed of [TYPED_SECRET, UNKNOWN, 'nell', 'nell@example.com']) assert.equal((await login(typed)).statusCode, 401);
      for (const typed of [UNKNOWN, 'nell@example.com', TYPED_SECRET]) {
        const res = await t.app.inject({ method: 'POST', url: '/api/account/pw/reset', payload: { username: typed }, remoteAddress: '10.8.0.2' });
        assert.equal(res.statusCode, 200, res.body);
      }
      const keys = await storedKeys();
      assert.ok(keys.length >= 6, `the failures and requests were counted: ${keys.join(', ')}`);
      for (const typed of [TYPED_SECRET, UNKNOWN, 'nell', 'nell@example.com']) {
        for (const form of [typed, typed.toLowerCase()]) {
          assert.ok(!keys.some((k) => k.includes(form)), `"${form}" is stored in a key: ${keys.filter((k) => k.includes(form)).join(', ')}`);
        }
      }
      if (store === 'database') {
        const rows = await t.latchkey.database.db.selectFrom('login_throttle').selectAll().execute();
        assert.ok(!JSON.stringify(rows).toLowerCase().includes(TYPED_SECRET.toLowerCase()), 'nor in any column');
      }
    });
  });
}

describe('the upgrade purges throttle rows keyed by clear text', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t?.close());

  it('removes acct:, mail-min: and mail-hour: rows of the earlier release and keeps the others', async () => {
    const db = t.latchkey.database.db;
    const old = ['acct:hunter2-typed-as-a-name', 'acct:nell@example.com', 'mail-min:nell@example.com', 'mail-hour:nell@example.com', 'mail-min:id:somebody'];
    const kept = ['ip:10.0.0.1', 'reg-ip:10.0.0.1', 'login-acct:00000000-0000-4000-8000-000000000000'];
    await db
      .insertInto('login_throttle')
      .values([...old, ...kept].map((key) => ({ key, failures: 3, window_start: t.clock.now(), blocked_until: 0 })))
      .execute();
    await purgeClearTextKeys(db);
    const left = (await db.selectFrom('login_throttle').select('key').execute()).map((r) => r.key).sort();
    assert.deepEqual(left, [...kept].sort());
  });
});
