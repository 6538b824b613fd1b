/**
 * docs/security.md, "Throttle counters in Redis" (SEC-18/19/22/54), with REDIS_URL set: the login throttle, the rate limits and the mail
 * budget count in Redis. Two nodes of one database (as deployed) share one Redis prefix: a success
 * on one node clears the count the other wrote, one address spraying names across both nodes
 * meets one budget, and so does a mail budget, while the database's login_throttle table stays
 * empty (so the counters can only be in Redis). That failures on two nodes add up to one
 * per-account budget is test/security/throttle-follows-account.test.ts. Then a Redis outage
 * turns throttled requests into 503 `unavailable` with Retry-After (never 500, never an
 * unthrottled login, never a hang), /readyz into 503, and both recover when Redis is back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestDatabase } from '../support/database.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { deleteRedisPrefix, newRedisPrefix, openTestRedis, redisKeys, redisSkipReason, TEST_REDIS_URL } from '../support/redis.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { hiddenField } from '../pages/helpers.js';

const redisSkip = await redisSkipReason();
if (redisSkip) console.log(`# ${redisSkip}`);
const PASSWORD = 'a long and private passphrase';

function jwtLogin(app: FastifyInstance, username: string, password: string, from = '127.0.0.1') {
  return app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username, password }, remoteAddress: from });
}
function register(app: FastifyInstance, username: string) {
  return app.inject({ method: 'POST', url: '/api/v1/account/register', payload: { username, password: PASSWORD } });
}
async function throttleRows(t: TestInstance): Promise<number> {
  const row = await t.latchkey.database.db.selectFrom('login_throttle').select(({ fn }) => fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('login throttling with REDIS_URL: two nodes, one database, one Redis', { skip: redisSkip ?? false }, () => {
  const prefix = newRedisPrefix();
  // One SQLite file, or one PostgreSQL schema when TEST_DATABASE_URL is set, for both nodes.
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-redis-nodes-'));
  const database = createTestDatabase({ sqliteFile: join(dir, 'shared.db') });
  const redis = openTestRedis();
  redis.on('error', () => {});
  let a: TestInstance;
  let b: TestInstance;
  /** The per-account login counters (`login-acct:<account id>`) in Redis under this prefix. */
  const accountCounters = async () => (await redisKeys(redis, prefix)).filter((key) => key.includes('login-acct:'));
  before(async () => {
    await redis.connect();
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOGIN_IP_FAILURES_PER_MINUTE: '8', DATABASE_URL: database.url };
    a = await createTestInstance({ hasher: 'fast', env });
    b = await createTestInstance({ hasher: 'fast', env });
    assert.equal((await register(a.app, 'bob')).statusCode, 200);
    b.clock.set(a.clock.now()); // two nodes, one time (each fake clock started when its node did)
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await database.drop();
    await deleteRedisPrefix(prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SEC-18 a success on one node resets, in Redis, the count the other node wrote', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await jwtLogin(a.app, 'bob', 'wrong guess', '10.2.0.1')).statusCode, 401);
    const counters = await accountCounters();
    assert.equal(counters.length, 1, 'node A counted the failures in Redis, under the account');
    assert.ok(!counters[0]!.includes('bob'), 'the key names the account, not what was typed');
    assert.equal(await throttleRows(a), 0, 'and nothing in the database both nodes share');
    assert.equal((await jwtLogin(b.app, 'bob', PASSWORD, '10.2.0.2')).statusCode, 200);
    assert.deepEqual(await accountCounters(), [], "node B's success removed node A's counter");
    for (let i = 0; i < 5; i++) assert.equal((await jwtLogin(a.app, 'bob', 'wrong guess', '10.2.0.3')).statusCode, 401, 'five free failures again');
    assert.equal((await jwtLogin(a.app, 'bob', PASSWORD, '10.2.0.3')).statusCode, 200, 'nine failures in all, but never six since the success');
    assert.equal(await throttleRows(a), 0);
  });

  it('SEC-19 one address spraying names across both nodes is stopped by one per-address budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await jwtLogin(i % 2 ? a.app : b.app, `spray-${i}`, 'Summer2026!', '10.3.0.1')).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 401, 401, 401, 429]);
    assert.equal((await jwtLogin(a.app, 'spray-x', 'Summer2026!', '10.3.0.2')).statusCode, 401, 'another address is not affected');
    assert.equal(await throttleRows(a), 0, 'counted in Redis only');
  });

  it('SEC-54 the per-address mail budget is shared too: a second reset a minute on the other node sends nothing', async () => {
    const resets = async (): Promise<number> =>
      (await a.latchkey.database.db.selectFrom('outbox').select('id').where('template', '=', 'reset_password').where('recipient', '=', 'dana@example.com').execute()).length;
    const res = await a.app.inject({ method: 'POST', url: '/api/v1/account/register', payload: { username: 'dana', password: PASSWORD, email: 'dana@example.com' } });
    assert.equal(res.statusCode, 200);
    const first = await a.app.inject({ method: 'POST', url: '/api/account/pw/reset', payload: { username: 'dana' }, remoteAddress: '10.4.0.1' });
    const second = await b.app.inject({ method: 'POST', url: '/api/account/pw/reset', payload: { username: 'dana' }, remoteAddress: '10.4.0.2' });
    assert.equal(first.statusCode, 200);
    assert.equal(second.statusCode, 200, 'answered like any other request');
    assert.equal(second.body, first.body);
    assert.equal(await resets(), 1, 'one reset mail queued for both nodes');
    assert.equal(await throttleRows(a), 0, 'the budget was spent in Redis, not in the shared database');
  });
});

describe('login throttling with REDIS_URL when Redis goes away', { skip: redisSkip ?? false }, () => {
  const prefix = newRedisPrefix();
  let proxy: TcpProxy;
  let t: TestInstance;
  before(async () => {
    const target = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    t = await createTestInstance({ hasher: 'argon2', env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_PREFIX: prefix } });
    assert.equal((await register(t.app, 'carol')).statusCode, 200);
  });
  after(async () => {
    await t?.close();
    await proxy?.close();
    await deleteRedisPrefix(prefix);
  });

  it('refuses logins with 503 unavailable + Retry-After while Redis is cut, then recovers', async () => {
    const login = await jwtLogin(t.app, 'carol', PASSWORD);
    assert.equal(login.statusCode, 200);
    const access = login.json().result.token.access as string;
    assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    const jar = new CookieJar();
    const form = await t.app.inject({ method: 'GET', url: '/login' });
    jar.update(form);

    proxy.down();
    const started = Date.now();
    const right = await jwtLogin(t.app, 'carol', PASSWORD);
    assert.equal(right.statusCode, 503, 'no login without the throttle, even with the right password');
    assert.equal(right.json().error.code, 'unavailable');
    assert.equal(right.headers['retry-after'], '2');
    const wrong = await jwtLogin(t.app, 'carol', 'wrong guess');
    assert.equal(wrong.statusCode, 503, 'guessing is not free while the counters are unreachable');
    const basic = await t.app.inject({ method: 'GET', url: '/api/', headers: { authorization: `Basic ${Buffer.from(`carol:${PASSWORD}`).toString('base64')}` } });
    assert.equal(basic.statusCode, 503);
    const cookie = await t.app.inject({ method: 'POST', url: '/accounts/action/?do=login', payload: { username: 'carol', password: PASSWORD } });
    assert.equal(cookie.statusCode, 503);
    const page = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...jar.headers() },
      payload: new URLSearchParams({ username: 'carol', password: PASSWORD, csrf: hiddenField(form.body, 'csrf') }).toString(),
    });
    assert.equal(page.statusCode, 503, 'the login page answers 503 too');
    assert.match(String(page.headers['content-type']), /text\/html/);
    const signUp = await register(t.app, 'newcomer');
    assert.equal(signUp.statusCode, 503, 'sign-ups count per address, so they wait too');
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/account/me', headers: { authorization: `Bearer ${access}` } });
    assert.equal(me.statusCode, 200, 'requests that count nothing are not affected');
    assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503, '/readyz reports not ready');
    // Each refused request waits at most the Redis command timeout; the bound is loose for a loaded
    // machine (it catches a request that waits for Redis to come back), the figure is printed.
    const took = Date.now() - started;
    console.log(`# eight requests during the Redis outage answered in ${took} ms`);
    assert.ok(took < 30_000, `every answer came within the timeouts (${took} ms)`);
    assert.ok(t.logs.some((line) => /Redis unreachable/.test(line)), 'the outage is logged');
    assert.ok(!t.logs.some((line) => line.includes(PASSWORD)), 'no password in any log line');

    proxy.up();
    const recovered = await waitFor('/readyz to be ready again after Redis came back', async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, { everyMs: 100 });
    console.log(`# ready again ${recovered} ms after Redis came back`);
    assert.equal((await jwtLogin(t.app, 'carol', PASSWORD)).statusCode, 200, 'logins work again');
  });

  it('starts, unready, when nothing listens at REDIS_URL, and answers 503 rather than 500', async () => {
    const down = await createTestInstance({ hasher: 'fast', env: { REDIS_URL: 'redis://127.0.0.1:1', REDIS_PREFIX: newRedisPrefix() } });
    try {
      assert.equal((await down.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
      const res = await jwtLogin(down.app, 'nobody', PASSWORD);
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error.code, 'unavailable');
      assert.ok(down.logs.some((line) => /Redis \(REDIS_URL\) is not reachable yet/.test(line)));
    } finally {
      await down.close();
    }
  });
});
