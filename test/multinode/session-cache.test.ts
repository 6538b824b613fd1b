/**
 * Three `latchkey serve` processes on one PostgreSQL, each with its node-local session cache
 * (SESSION_CACHE, on by default; docs/decisions.md, "Session cache on PostgreSQL nodes"): every
 * node has served the session from memory before it is ended on one node, and every node refuses
 * it within a bound (the notification delay; generous here, the machine is loaded; the benchmark
 * measures it). Once per notification channel: PostgreSQL's LISTEN/NOTIFY, and Redis pub/sub
 * (REDIS_URL set on every node). Runs only with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteRedisPrefix, newRedisPrefix, redisSkipReason, TEST_REDIS_URL } from '../support/redis.js';
import { waitFor } from '../support/wait.js';
import { send, startCluster, type Cluster, type Node } from './cluster.js';

const ADMIN_KEY = 'session-cache-admin-key-0123456789abcdef';
/** Longer than any notification delay on a loaded machine, far shorter than a session's life. */
const BOUND_MS = 10_000;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

const pgOnly = process.env.TEST_DATABASE_URL ? null : 'TEST_DATABASE_URL is not set';
const redisPrefix = newRedisPrefix();
/** The notification channels: the nodes' extra settings, and why the case is skipped (null: it runs). */
const CHANNELS: { name: string; env: Record<string, string>; skip: string | null }[] = [
  { name: 'LISTEN/NOTIFY', env: {}, skip: pgOnly },
  { name: 'Redis pub/sub', env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: redisPrefix }, skip: pgOnly ?? (await redisSkipReason()) },
];

for (const channel of CHANNELS) describe(`session caches of three nodes (${channel.name}) never serve an ended session`, { skip: channel.skip ?? false }, () => {
  let cluster: Cluster;
  let nodes: Node[];

  before(async () => {
    cluster = await startCluster(3, { REFRESH_REUSE_GRACE: '1', ADMIN_API_KEY: ADMIN_KEY, ...channel.env });
    nodes = cluster.nodes;
  });
  after(async () => {
    await cluster?.stop();
    if (channel.env.REDIS_PREFIX) await deleteRedisPrefix(channel.env.REDIS_PREFIX);
  });

  const register = async (username: string): Promise<string> => {
    const res = await send(nodes[0]!, 'POST', '/api/v1/account/register', { json: { username, password: `${username}-password` } });
    assert.equal(res.status, 200);
    const me = await send(nodes[0]!, 'GET', '/api/v1/account/me', { headers: bearer((await login(nodes[0]!, username)).access) });
    return me.body.result.id as string;
  };
  const login = async (node: Node, username: string, password = `${username}-password`) => {
    const res = await send(node, 'POST', '/api/v1/account/login', { json: { username, password } });
    assert.equal(res.status, 200);
    return res.body.result.token as { access: string; refresh: string };
  };
  /** Every node answers the token several times (so each has it cached). */
  const warm = async (access: string): Promise<void> => {
    for (const node of nodes) {
      for (let i = 0; i < 3; i++) assert.equal((await send(node, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status, 200, node.name);
    }
  };
  /** Waits until every node refuses the token; returns the slowest node's delay, ms. */
  const refusedEverywhere = async (access: string, what: string): Promise<number> => {
    const delays = await Promise.all(
      nodes.map((node) =>
        waitFor(`${what}: node ${node.name} refuses the ended session`, async () => (await send(node, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status === 401, {
          timeoutMs: BOUND_MS,
          everyMs: 5,
        }),
      ),
    );
    // Once refused, never served again (no stale copy comes back from an in-flight read).
    for (const node of nodes) assert.equal((await send(node, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status, 401, node.name);
    return Math.max(...delays);
  };

  it('SEC-67f a logout on one node is refused on every node within the bound', async () => {
    await register('cache-logout');
    const pair = await login(nodes[1]!, 'cache-logout');
    await warm(pair.access);
    assert.equal((await send(nodes[2]!, 'DELETE', '/api/v1/account/logout', { headers: bearer(pair.access) })).status, 200);
    const slowest = await refusedEverywhere(pair.access, 'logout');
    assert.ok(slowest < BOUND_MS);
  });

  it('SEC-67f a password change on one node ends the other sessions on every node within the bound', async () => {
    const id = await register('cache-password');
    const pair = await login(nodes[0]!, 'cache-password');
    await warm(pair.access);
    const changed = await send(nodes[1]!, 'PUT', `/api/v1/admin/users/${id}/password`, { headers: admin, json: { password: 'a-brand-new-password-1' } });
    assert.equal(changed.status, 200);
    await refusedEverywhere(pair.access, 'password change');
  });

  it('SEC-67f disabling an account on one node is refused on every node within the bound', async () => {
    const id = await register('cache-disable');
    const pair = await login(nodes[2]!, 'cache-disable');
    await warm(pair.access);
    assert.equal((await send(nodes[0]!, 'POST', `/api/v1/admin/users/${id}/disable`, { headers: admin })).status, 200);
    await refusedEverywhere(pair.access, 'disable');
  });

  it('SEC-42/67f a refresh-token reuse on one node ends the chain on every node within the bound', async () => {
    await register('cache-reuse');
    const rt0 = await login(nodes[0]!, 'cache-reuse');
    const rt1 = (await send(nodes[1]!, 'GET', '/api/v1/account/refresh', { headers: bearer(rt0.refresh) })).body.result.token as { access: string };
    await warm(rt1.access);
    // The previous access token is refused everywhere as soon as the chain has moved on.
    await refusedEverywhere(rt0.access, 'rotation');
    await new Promise((r) => setTimeout(r, 1200)); // past the 1 s grace window (real processes, real clock)
    const replay = await send(nodes[2]!, 'GET', '/api/v1/account/refresh', { headers: bearer(rt0.refresh) });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error.code, 'token_reused');
    await refusedEverywhere(rt1.access, 'refresh reuse');
  });

  it('SEC-41/67f a rotation outside a transaction (a chain refreshed again within its audit window) makes the previous access token stale on every node', async () => {
    await register('cache-fast');
    const rt0 = await login(nodes[0]!, 'cache-fast');
    // The first refresh on node 1 writes the chain's audit row (in a transaction); the next one
    // there is a single statement (docs/decisions.md, "A current refresh token rotates in one statement").
    const rt1 = (await send(nodes[1]!, 'GET', '/api/v1/account/refresh', { headers: bearer(rt0.refresh) })).body.result.token as { access: string; refresh: string };
    await warm(rt1.access);
    const next = await send(nodes[1]!, 'GET', '/api/v1/account/refresh', { headers: bearer(rt1.refresh) });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    await refusedEverywhere(rt1.access, 'fast rotation');
    for (const node of nodes) assert.equal((await send(node, 'GET', '/api/v1/account/me', { headers: bearer(next.body.result.token.access) })).status, 200, node.name);
  });
});
