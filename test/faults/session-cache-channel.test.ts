/**
 * The session cache of a PostgreSQL node is bypassed while its notification channel is down, and
 * after the channel comes back until it has caught up (docs/decisions.md, "Session cache on
 * PostgreSQL nodes"): a session ended while this node could not hear of it is never served from
 * the copy cached before. The node under test is built from its parts (cache, guard, channel)
 * with the channel's connections through a TCP proxy the test cuts; a full Latchkey on the same
 * schema plays the other node that ends the session. Once per channel: PostgreSQL's LISTEN/NOTIFY,
 * and Redis pub/sub (REDIS_URL; the other node publishes there). Runs only with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lookupSession } from '../../src/core/sessions/cached-lookup.js';
import type { SessionWithAccount } from '../../src/core/sessions/ports.js';
import { createStores, openDatabase, type OpenedDatabase } from '../../src/store/index.js';
import { createSessionCache, type SessionCache } from '../../src/store/session-cache/cache.js';
import { guardSessionCache, type GuardedStores } from '../../src/store/session-cache/guard.js';
import { startPgSessionChannel, type SessionChannel } from '../../src/store/session-cache/pg-channel.js';
import { redisChannelFor, startRedisSessionChannel } from '../../src/store/session-cache/redis-channel.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { deleteRedisPrefix, newRedisPrefix, redisSkipReason, TEST_REDIS_URL } from '../support/redis.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

const ctx = { ip: '127.0.0.1', userAgent: 'fault-test' };
const PING_MS = 100;

/** One notification channel: the server its connections go to, the other node's settings, how to start it. */
interface ChannelCase {
  name: string;
  skip: string | null;
  /** Settings of the other node (a full Latchkey) so that its writes reach this channel. */
  env: Record<string, string>;
  defaultPort: number;
  /** The server the channel connects to (the proxy's target). */
  server(databaseUrl: string): URL;
  /** Starts the channel of `cache` through `viaProxy` (the server's URL with the proxy's port). */
  start(cache: SessionCache, viaProxy: URL, databaseUrl: string): Promise<SessionChannel>;
}

const pgOnly = process.env.TEST_DATABASE_URL ? null : 'TEST_DATABASE_URL is not set';
const redisPrefix = newRedisPrefix();
const CHANNELS: ChannelCase[] = [
  {
    name: 'LISTEN/NOTIFY',
    skip: pgOnly,
    env: {},
    defaultPort: 5432,
    server: (databaseUrl) => new URL(databaseUrl),
    start: (cache, viaProxy) => startPgSessionChannel(cache, { url: viaProxy.toString(), pingMs: PING_MS }),
  },
  {
    name: 'Redis pub/sub',
    skip: pgOnly ?? (await redisSkipReason()),
    env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: redisPrefix },
    defaultPort: 6379,
    server: () => new URL(TEST_REDIS_URL),
    start: (cache, viaProxy, databaseUrl) =>
      startRedisSessionChannel(cache, { url: viaProxy.toString(), channel: redisChannelFor(databaseUrl, redisPrefix), pingMs: PING_MS }),
  },
];

for (const channelCase of CHANNELS) describe(`session cache with its notification channel (${channelCase.name}) down`, { skip: channelCase.skip ?? false }, () => {
  let other: TestInstance;
  let opened: OpenedDatabase;
  let proxy: TcpProxy;
  let cache: SessionCache;
  let channel: SessionChannel;
  let node: GuardedStores & { sessionCache: SessionCache };
  let reads = 0;

  before(async () => {
    other = await createTestInstance({ hasher: 'fast', env: channelCase.env });
    const url = other.latchkey.config.databaseUrl;
    opened = await openDatabase(url);
    const viaProxy = channelCase.server(url);
    proxy = await startTcpProxy(viaProxy.hostname, Number(viaProxy.port || channelCase.defaultPort));
    viaProxy.port = String(proxy.port);
    cache = createSessionCache({ maxEntries: 100, maxAgeMs: 60_000, trustMs: 500 });
    const stores = createStores(opened, { now: () => Date.now() });
    const counted = { ...stores.sessions, findWithAccount: (...args: Parameters<typeof stores.sessions.findWithAccount>) => (reads++, stores.sessions.findWithAccount(...args)) };
    node = { ...guardSessionCache(cache, { uow: stores.uow, sessions: counted, accounts: stores.accounts }), sessionCache: cache };
    channel = await channelCase.start(cache, viaProxy, url);
  });
  after(async () => {
    await channel?.close();
    await proxy?.close();
    await opened?.close();
    await other?.close();
    if (channelCase.env.REDIS_PREFIX) await deleteRedisPrefix(channelCase.env.REDIS_PREFIX);
  });

  const live = (f: SessionWithAccount): boolean => f.session.revokedAt === null && f.account.status === 'active';
  const check = async (id: string): Promise<{ served: boolean; read: boolean }> => {
    const before = reads;
    const found = await lookupSession(node, { by: 'id', value: id }, live);
    return { served: found !== null && live(found), read: reads > before };
  };

  it('SEC-67f serves from memory only while the channel is current; refuses a session ended while it was down, before and after it reconnects', async () => {
    await other.service.registerAccount({ username: 'channel-fault', password: 'channel-fault-password' });
    const login = await other.service.loginForCookie('channel-fault', 'channel-fault-password', ctx);
    const id = login.session.id;

    await waitFor('the channel to be trusted', () => cache.trusted());
    assert.deepEqual(await check(id), { served: true, read: true });
    assert.deepEqual(await check(id), { served: true, read: false }, 'the second check is answered from memory');

    proxy.down();
    await waitFor('the cache to stop trusting the cut channel', () => !cache.trusted());
    assert.deepEqual(await check(id), { served: true, read: true }, 'bypassed: read from the database');
    assert.deepEqual(await check(id), { served: true, read: true }, 'and not kept while the channel is down');

    // Ended on the other node while this one cannot hear of it: the notification is lost.
    await other.service.logoutCookieSession(login.sessionSecret, ctx);
    assert.deepEqual(await check(id), { served: false, read: true });

    proxy.up();
    // From reconnection until the first heartbeat returns, and after it, nothing stale is served.
    await waitFor('the channel to catch up after reconnecting', async () => {
      assert.equal((await check(id)).served, false);
      return cache.trusted();
    });
    assert.deepEqual(await check(id), { served: false, read: true });
    assert.equal(cache.size(), 0);
  });

  it('SEC-67f a channel that silently stops carrying heartbeats is not believed: a session ended meanwhile is refused', async () => {
    await waitFor('the channel to be trusted', () => cache.trusted());
    const login = await other.service.loginForCookie('channel-fault', 'channel-fault-password', ctx);
    const id = login.session.id;
    assert.deepEqual(await check(id), { served: true, read: true });
    assert.deepEqual(await check(id), { served: true, read: false });
    proxy.stall();
    await waitFor('the trust to lapse', () => !cache.trusted());
    await other.service.logoutCookieSession(login.sessionSecret, ctx);
    assert.deepEqual(await check(id), { served: false, read: true });
    // The stalled connection is given up and a new one opened (new connections pass): caught up, still refused.
    await waitFor('the channel to be trusted again', async () => {
      assert.equal((await check(id)).served, false);
      return cache.trusted();
    });
    assert.deepEqual(await check(id), { served: false, read: true });
    proxy.up();
  });
});
