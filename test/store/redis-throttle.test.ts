/**
 * Throttle store conformance: one table of cases run against the SQL store (SQLite always,
 * PostgreSQL when TEST_DATABASE_URL is set) and the Redis store (when Redis answers at
 * TEST_REDIS_URL), so the core sees the same counters whichever back-end holds them. Then the
 * Redis-only behaviour: prefixes, expiry, and failing closed (UNAVAILABLE, quickly) when down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import type { ThrottleStore } from '../../src/core/credentials/ports.js';
import type { Tx } from '../../src/core/ports.js';
import { createStores, migrateToLatest, openDatabase, type OpenedDatabase } from '../../src/store/index.js';
import { createRedisThrottleStore, type RedisThrottleStore } from '../../src/store/redis-throttle.js';
import { createFakeClock } from '../support/clock.js';
import { createTestDatabase } from '../support/database.js';
import { deleteRedisPrefix, newRedisPrefix, openTestRedis, redisKeys, redisSkipReason, TEST_REDIS_URL } from '../support/redis.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = 1_795_000_000_123;
const redisSkip = await redisSkipReason();
if (redisSkip) console.log(`# ${redisSkip}`);

interface Backend {
  name: string;
  skip: string | false;
  open(): Promise<{ store: ThrottleStore; tx: Tx; close(): Promise<void> }>;
}

function sqlBackend(name: string, url: () => { url: string; drop(): Promise<void> }, skip: string | false): Backend {
  return {
    name,
    skip,
    async open() {
      const database = url();
      const opened: OpenedDatabase = await openDatabase(database.url);
      await migrateToLatest(opened);
      const stores = createStores(opened, createFakeClock());
      return {
        store: stores.throttle,
        tx: stores.uow.db,
        async close() {
          await opened.close();
          await database.drop();
        },
      };
    },
  };
}

const backends: Backend[] = [
  sqlBackend('SQLite', () => ({ url: 'sqlite::memory:', drop: async () => {} }), false),
  sqlBackend('PostgreSQL', () => createTestDatabase(), process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set'),
  {
    name: 'Redis',
    skip: redisSkip ?? false,
    async open() {
      const prefix = newRedisPrefix();
      const store = createRedisThrottleStore(TEST_REDIS_URL, { prefix });
      assert.ok(await store.waitUntilReady(3000));
      return {
        store,
        tx: null as unknown as Tx, // the Redis store ignores the transaction
        async close() {
          await store.close();
          await deleteRedisPrefix(prefix);
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`throttle store conformance: ${backend.name}`, { skip: backend.skip }, () => {
    let s: ThrottleStore;
    let tx: Tx;
    let close: () => Promise<void>;
    let n = 0;
    const key = (stem: string): string => `test:${stem}:${++n}`;
    before(async () => {
      ({ store: s, tx, close } = await backend.open());
    });
    after(() => close());

    it('counts failures in one window from the first one', async () => {
      const k = key('count');
      assert.deepEqual(await s.recordFailure(tx, k, T0, MINUTE), { failures: 1, windowStart: T0, blockedUntil: 0 });
      assert.deepEqual(await s.recordFailure(tx, k, T0 + 10, MINUTE), { failures: 2, windowStart: T0, blockedUntil: 0 });
      assert.deepEqual(await s.recordFailure(tx, k, T0 + MINUTE - 1, MINUTE), { failures: 3, windowStart: T0, blockedUntil: 0 });
    });

    it('starts again at 1 once the window is over (exactly windowMs after its start)', async () => {
      const k = key('window');
      await s.recordFailure(tx, k, T0, MINUTE);
      await s.recordFailure(tx, k, T0 + 1, MINUTE);
      assert.deepEqual(await s.recordFailure(tx, k, T0 + MINUTE, MINUTE), { failures: 1, windowStart: T0 + MINUTE, blockedUntil: 0 });
      assert.equal((await s.recordFailure(tx, k, T0 + MINUTE + 5, MINUTE)).failures, 2);
    });

    it('keeps counters apart per key and per window length', async () => {
      const a = key('a');
      const b = key('b');
      await s.recordFailure(tx, a, T0, HOUR);
      await s.recordFailure(tx, a, T0, HOUR);
      assert.equal((await s.recordFailure(tx, b, T0, HOUR)).failures, 1);
      assert.equal((await s.recordFailure(tx, a, T0 + 2 * MINUTE, HOUR)).failures, 3, 'an hour window still holds after two minutes');
    });

    it('blocks a counted key, reports the latest block among keys, and 0 for none', async () => {
      const a = key('block-a');
      const b = key('block-b');
      assert.equal(await s.blockedUntil(tx, []), 0);
      assert.equal(await s.blockedUntil(tx, [a, b]), 0);
      await s.recordFailure(tx, a, T0, MINUTE);
      await s.recordFailure(tx, b, T0, MINUTE);
      await s.block(tx, a, T0 + 5000);
      await s.block(tx, b, T0 + 9000);
      assert.equal(await s.blockedUntil(tx, [a]), T0 + 5000);
      assert.equal(await s.blockedUntil(tx, [a, b, key('never-seen')]), T0 + 9000);
      assert.equal((await s.recordFailure(tx, a, T0 + 1, MINUTE)).blockedUntil, T0 + 5000, 'the state carries the block');
      assert.deepEqual(await s.subjectState(tx, a), { blockedUntil: T0 + 5000, counted: true }, 'one key\'s block');
      // Redis cannot tell what is counted in the same read, so a success always clears the key there.
      assert.deepEqual(await s.subjectState(tx, key('never-seen')), { blockedUntil: 0, counted: backend.name === 'Redis' });
    });

    it('does not block a key that has no counter', async () => {
      const k = key('uncounted');
      await s.block(tx, k, T0 + 5000);
      assert.equal(await s.blockedUntil(tx, [k]), 0);
    });

    it('keeps a block across a new window (only the count starts again)', async () => {
      const k = key('keep-block');
      await s.recordFailure(tx, k, T0, MINUTE);
      await s.block(tx, k, T0 + 2 * MINUTE);
      assert.deepEqual(await s.recordFailure(tx, k, T0 + MINUTE, MINUTE), { failures: 1, windowStart: T0 + MINUTE, blockedUntil: T0 + 2 * MINUTE });
    });

    it('forgets a key on reset: no block, and the next failure is the first', async () => {
      const k = key('reset');
      for (let i = 0; i < 4; i++) await s.recordFailure(tx, k, T0 + i, HOUR);
      await s.block(tx, k, T0 + HOUR);
      await s.reset(tx, k);
      await s.reset(tx, key('reset-unknown'));
      assert.equal(await s.blockedUntil(tx, [k]), 0);
      assert.equal((await s.recordFailure(tx, k, T0 + 10, HOUR)).failures, 1);
    });

    it('counts 25 simultaneous failures exactly once each', async () => {
      const k = key('race');
      const states = await Promise.all(Array.from({ length: 25 }, () => s.recordFailure(tx, k, T0, MINUTE)));
      assert.deepEqual(
        states.map((st) => st.failures).sort((x, y) => x - y),
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
    });

    it('takes keys with any characters a username or address may hold', async () => {
      const k = `acct:${key('ünïcode')} with spaces {braces} *glob?`;
      await s.recordFailure(tx, k, T0, MINUTE);
      await s.block(tx, k, T0 + 1000);
      assert.equal(await s.blockedUntil(tx, [k]), T0 + 1000);
    });
  });
}

describe('Redis throttle store: keys, expiry, outages', { skip: redisSkip ?? false }, () => {
  const prefixes: string[] = [];
  const stores: RedisThrottleStore[] = [];
  const open = (prefix: string, options: { url?: string; timeoutMs?: number } = {}): RedisThrottleStore => {
    prefixes.push(prefix);
    const store = createRedisThrottleStore(options.url ?? TEST_REDIS_URL, { prefix, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
    stores.push(store);
    return store;
  };
  const tx = null as unknown as Tx;
  const admin = openTestRedis();
  before(() => admin.connect());
  after(async () => {
    for (const store of stores) await store.close();
    admin.disconnect();
    for (const prefix of prefixes) await deleteRedisPrefix(prefix);
  });

  it('stores each counter under the prefix, so two prefixes never share a budget', async () => {
    const p1 = newRedisPrefix();
    const p2 = newRedisPrefix();
    const a = open(p1);
    const b = open(p2);
    await a.waitUntilReady(3000);
    await b.waitUntilReady(3000);
    await a.recordFailure(tx, 'acct:alice', T0, MINUTE);
    await a.recordFailure(tx, 'acct:alice', T0, MINUTE);
    assert.equal((await b.recordFailure(tx, 'acct:alice', T0, MINUTE)).failures, 1);
    assert.deepEqual(await redisKeys(admin, p1), [`${p1}throttle:acct:alice`]);
    assert.deepEqual(await redisKeys(admin, p2), [`${p2}throttle:acct:alice`]);
    const c = open(p1);
    await c.waitUntilReady(3000);
    assert.equal((await c.recordFailure(tx, 'acct:alice', T0, MINUTE)).failures, 3, 'a second client on the same prefix shares it');
  });

  it('lets Redis forget a counter once its window and its block are over', async () => {
    const p = newRedisPrefix();
    const s = open(p);
    await s.waitUntilReady(3000);
    await s.recordFailure(tx, 'ip:10.0.0.1', T0, MINUTE);
    const ttl = await admin.pttl(`${p}throttle:ip:10.0.0.1`);
    assert.ok(ttl > MINUTE && ttl <= 2 * MINUTE + 1000, `a minute counter lives about a minute (plus margin), got ${ttl} ms`);
    await s.recordFailure(tx, 'acct:bob', T0, 24 * HOUR);
    await s.block(tx, 'acct:bob', T0 + 900_000);
    assert.ok((await admin.pttl(`${p}throttle:acct:bob`)) > 23 * HOUR, 'a day counter lives about a day');
    await s.recordFailure(tx, 'svc:key', T0, 1000);
    await s.block(tx, 'svc:key', T0 + HOUR);
    assert.ok((await admin.pttl(`${p}throttle:svc:key`)) > 59 * MINUTE, 'a block longer than the window keeps the counter');
  });

  it('refuses with UNAVAILABLE within the timeout when Redis is down, and reports not ready', async () => {
    const proxy = await startTcpProxy(new URL(TEST_REDIS_URL).hostname, Number(new URL(TEST_REDIS_URL).port || 6379));
    try {
      const s = open(newRedisPrefix(), { url: `redis://127.0.0.1:${proxy.port}`, timeoutMs: 1000 });
      assert.ok(await s.waitUntilReady(3000));
      assert.equal(await s.ping(), true);
      proxy.down();
      const took: number[] = [];
      for (const op of [
        () => s.recordFailure(tx, 'acct:carol', T0, MINUTE),
        () => s.blockedUntil(tx, ['acct:carol']),
        () => s.block(tx, 'acct:carol', T0 + 1),
        () => s.reset(tx, 'acct:carol'),
      ]) {
        const started = Date.now();
        await assert.rejects(op(), (err) => isAuthError(err, 'UNAVAILABLE') && err.retryAfter === 2);
        took.push(Date.now() - started);
      }
      // The timeout is 1 s; the bound is loose for a loaded machine (it catches an operation that
      // waits for Redis instead of failing), the figures are printed.
      console.log(`# operations during the outage refused after ${took.join(', ')} ms (timeout 1000 ms)`);
      assert.ok(took.every((ms) => ms < 10_000), `fails fast, never hangs: ${took.join(', ')} ms`);
      assert.equal(await s.ping(), false);
      proxy.up();
      const back = await waitFor('the store to reconnect once Redis is back', () => s.ping(), { everyMs: 100 });
      console.log(`# reconnected ${back} ms after Redis came back`);
      assert.equal((await s.recordFailure(tx, 'acct:carol', T0, MINUTE)).failures, 1);
    } finally {
      await proxy.close();
    }
  });

  it('refuses with UNAVAILABLE when nothing listens at REDIS_URL', async () => {
    const s = open(newRedisPrefix(), { url: 'redis://127.0.0.1:1', timeoutMs: 500 });
    assert.equal(await s.waitUntilReady(300), false);
    await assert.rejects(s.recordFailure(tx, 'acct:dave', T0, MINUTE), (err) => isAuthError(err, 'UNAVAILABLE'));
    assert.equal(await s.ping(), false);
  });
});
