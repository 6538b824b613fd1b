/**
 * The login throttle follows the account (docs/security.md, "Login throttle per account"):
 * failures typed as the username and as the email add up to one budget; a completed reset, a
 * completed password change and an operator's set-password clear the account's count; a name
 * with no account is throttled exactly like a real one. Run on the database's throttle store
 * and, when Redis answers, on the Redis store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lastToken } from '../core/outbox-reader.js';
import { createTestDatabase } from '../support/database.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { deleteRedisPrefix, newRedisPrefix, redisSkipReason, TEST_REDIS_URL } from '../support/redis.js';

const redisSkip = await redisSkipReason();
const PASSWORD = 'ivy has a long password';
const NEW_PASSWORD = 'ivy chose another long one';

for (const store of ['database', 'redis'] as const) {
  describe(`the login throttle follows the account (${store})`, { skip: store === 'redis' ? (redisSkip ?? false) : false }, () => {
    const prefix = newRedisPrefix();
    let t: TestInstance;
    let address = 10;
    before(async () => {
      t = await createTestInstance({ hasher: 'fast', env: store === 'redis' ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix } : {} });
    });
    after(async () => {
      await t?.close();
      if (store === 'redis') await deleteRedisPrefix(prefix);
    });

    // Every login from a fresh address, so only the per-account count can block.
    const login = (username: string, password: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username, password }, remoteAddress: `10.9.0.${address++}` });

    async function newAccount(name: string): Promise<string> {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/account/register', payload: { username: name, email: `${name}@example.com`, password: PASSWORD } });
      assert.equal(res.statusCode, 200, res.body);
      return (await t.service.authenticatePassword(name, PASSWORD)).id;
    }

    /** Six failures, half typed as the username and half as the email (five are free). */
    async function lockOut(name: string): Promise<void> {
      for (const typed of [name, `${name}@example.com`, name.toUpperCase(), `${name.toUpperCase()}@EXAMPLE.COM`, name, `${name}@example.com`]) {
        assert.equal((await login(typed, 'a wrong guess')).statusCode, 401);
      }
    }

    it('failures typed as the username and as the email count as one budget', async () => {
      await newAccount('ivy');
      await lockOut('ivy');
      for (const typed of ['ivy', 'ivy@example.com']) {
        const res = await login(typed, PASSWORD);
        assert.equal(res.statusCode, 429, `${typed}: six failures over both identifiers block the account`);
        assert.equal(res.headers['retry-after'], '1');
      }
      t.clock.advance(1100);
      assert.equal((await login('ivy@example.com', PASSWORD)).statusCode, 200);
    });

    it('a completed password reset clears the block', async () => {
      await newAccount('jude');
      await lockOut('jude');
      assert.equal((await login('jude', PASSWORD)).statusCode, 429);
      await t.service.requestPasswordReset('jude@example.com');
      const token = await lastToken(t, 'jude@example.com', 'reset_password');
      await t.service.completePasswordReset(token, NEW_PASSWORD);
      assert.equal((await login('jude', NEW_PASSWORD)).statusCode, 200, 'the owner who just proved control is not kept waiting');
    });

    it('a completed password change clears the block', async () => {
      const id = await newAccount('kit');
      await lockOut('kit');
      assert.equal((await login('kit@example.com', PASSWORD)).statusCode, 429);
      await t.service.changePassword(id, NEW_PASSWORD);
      assert.equal((await login('kit@example.com', NEW_PASSWORD)).statusCode, 200);
    });

    it("an operator's set-password clears the block", async () => {
      await newAccount('lou');
      await lockOut('lou');
      assert.equal((await login('lou', PASSWORD)).statusCode, 429);
      await t.latchkey.admin.setPassword('lou', NEW_PASSWORD, { ip: null, userAgent: null, surface: 'cli' });
      assert.equal((await login('lou', NEW_PASSWORD)).statusCode, 200);
    });

    it('a name with no account is counted and answered exactly like a real one', async () => {
      await newAccount('max');
      const real: number[] = [];
      const unknown: number[] = [];
      for (const name of ['max', 'MAX', 'Max', 'max', 'mAx', 'max', 'max']) real.push((await login(name, 'a wrong guess')).statusCode);
      for (const name of ['nobody-here', 'NOBODY-HERE', 'Nobody-Here', 'nobody-here', 'noBody-here', 'nobody-here', 'nobody-here']) {
        unknown.push((await login(name, 'a wrong guess')).statusCode);
      }
      assert.deepEqual(real, [401, 401, 401, 401, 401, 401, 429]);
      assert.deepEqual(unknown, real);
      const a = await login('max', 'a wrong guess');
      const b = await login('nobody-here', 'a wrong guess');
      assert.deepEqual([a.statusCode, a.headers['retry-after'], a.body], [b.statusCode, b.headers['retry-after'], b.body]);
    });
  });
}

describe('the login throttle follows the account across two nodes of one database and one Redis', { skip: redisSkip ?? false }, () => {
  const prefix = newRedisPrefix();
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-throttle-nodes-'));
  const database = createTestDatabase({ sqliteFile: join(dir, 'shared.db') });
  let a: TestInstance;
  let b: TestInstance;
  before(async () => {
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: database.url };
    a = await createTestInstance({ hasher: 'fast', env });
    b = await createTestInstance({ hasher: 'fast', env });
    b.clock.set(a.clock.now());
    await a.service.registerAccount({ username: 'noor', email: 'noor@example.com', password: PASSWORD });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await database.drop();
    await deleteRedisPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('failures as the username on node A and as the email on node B add up, in Redis only', async () => {
    const login = (t: TestInstance, username: string, password: string, ip: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username, password }, remoteAddress: ip });
    for (let i = 0; i < 3; i++) assert.equal((await login(a, 'noor', 'a wrong guess', `10.6.0.${i}`)).statusCode, 401);
    for (let i = 0; i < 3; i++) assert.equal((await login(b, 'NOOR@example.com', 'a wrong guess', `10.6.1.${i}`)).statusCode, 401);
    for (const t of [a, b]) assert.equal((await login(t, 'noor', PASSWORD, '10.6.2.1')).statusCode, 429);
    const rows = await a.latchkey.database.db.selectFrom('login_throttle').select('key').execute();
    assert.deepEqual(rows, [], 'nothing was counted in the database');
  });
});
