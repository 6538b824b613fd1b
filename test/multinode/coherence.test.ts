/**
 * Three Latchkey processes on one PostgreSQL: a session, a logout, a refresh chain and a
 * username are one thing across the nodes, not one per node (docs/security.md#sec-67f). Runs only with
 * TEST_DATABASE_URL (skipped with a notice otherwise).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../support/wait.js';
import { send, startCluster, type Cluster } from './cluster.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('three nodes on one PostgreSQL', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let cluster: Cluster;
  let a: Cluster['nodes'][number];
  let b: Cluster['nodes'][number];
  let c: Cluster['nodes'][number];

  before(async () => {
    cluster = await startCluster(3, { REFRESH_REUSE_GRACE: '1' });
    [a, b, c] = cluster.nodes as [typeof a, typeof b, typeof c];
    const reg = await send(a, 'POST', '/api/v1/account/register', { json: { username: 'shared', password: 'shared-password' } });
    assert.equal(reg.status, 200);
  });
  after(() => cluster?.stop());

  const login = async (node: typeof a) => {
    const res = await send(node, 'POST', '/api/v1/account/login', { json: { username: 'shared', password: 'shared-password' } });
    assert.equal(res.status, 200);
    return res.body.result.token as { access: string; refresh: string };
  };

  // A's session cache (docs/decisions.md, "Session cache on PostgreSQL nodes") hears of an end on
  // another node through the database's notification, moments after the answer there: waited
  // for with a bound, as test/multinode/session-cache.test.ts does for every kind of end.
  const refusedOn = (node: typeof a, access: string) =>
    waitFor(`node ${node.name} to refuse the ended session`, async () => (await send(node, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status === 401, {
      timeoutMs: 10_000,
      everyMs: 5,
    });

  it('SEC-67f every node publishes the same signing keys', async () => {
    const sets = await Promise.all(cluster.nodes.map((n) => send(n, 'GET', '/.well-known/jwks.json')));
    const kids = sets.map((s) => s.body.keys.map((k: { kid: string }) => k.kid).sort().join());
    assert.equal(new Set(kids).size, 1);
  });

  it('SEC-67f a login on A works on B; a logout on C is refused on A within moments', async () => {
    const pair = await login(a);
    assert.equal((await send(b, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 200);
    assert.equal((await send(a, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 200);
    assert.equal((await send(c, 'DELETE', '/api/v1/account/logout', { headers: bearer(pair.access) })).status, 200);
    await refusedOn(a, pair.access);
    assert.equal((await send(b, 'GET', '/api/v1/account/refresh', { headers: bearer(pair.refresh) })).status, 401);
  });

  it('SEC-42/67f a refresh chain rotates across nodes, and a replay on a third node revokes it everywhere', async () => {
    const rt0 = await login(a);
    const rt1 = (await send(b, 'GET', '/api/v1/account/refresh', { headers: bearer(rt0.refresh) })).body.result.token;
    const rt2 = (await send(c, 'GET', '/api/v1/account/refresh', { headers: bearer(rt1.refresh) })).body.result.token;
    assert.equal((await send(a, 'GET', '/api/v1/account/me', { headers: bearer(rt2.access) })).status, 200);
    await new Promise((r) => setTimeout(r, 1200)); // past the 1 s grace window
    const replay = await send(c, 'GET', '/api/v1/account/refresh', { headers: bearer(rt0.refresh) });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error.code, 'token_reused');
    await refusedOn(a, rt2.access);
    assert.equal((await send(b, 'GET', '/api/v1/account/refresh', { headers: bearer(rt2.refresh) })).status, 401);
  });

  it('SEC-43/67f 30 concurrent refreshes of one token spread over the nodes yield exactly one successor chain', async () => {
    const rt0 = await login(b);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => send(cluster.nodes[i % 3]!, 'GET', '/api/v1/account/refresh', { headers: bearer(rt0.refresh) })),
    );
    const ok = results.filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, 'at least the first refresh succeeds');
    assert.equal(new Set(ok.map((r) => r.body.result.token.refresh)).size, 1, 'one successor, whichever node answered');
    // A refresh that reached a node after the 1 s grace window (a loaded machine spreads the 30
    // out) is a replay: refused as token_reused, and the chain, successor included, is revoked.
    const refused = results.filter((r) => r.status !== 200);
    for (const r of refused) assert.deepEqual([r.status, r.body.error?.code], [401, 'token_reused']);
    const successor = ok[0]!.body.result.token;
    const me = await send(c, 'GET', '/api/v1/account/me', { headers: bearer(successor.access) });
    assert.equal(me.status, refused.length === 0 ? 200 : 401, `${refused.length} of 30 refused as replays`);
  });

  it('SEC-21/67f login throttling is one budget across the nodes, not one per node', async () => {
    assert.equal((await send(a, 'POST', '/api/v1/account/register', { json: { username: 'guessed', password: 'guessed-password-1' } })).status, 200);
    for (let i = 0; i < 6; i++) {
      const res = await send(cluster.nodes[i % 3]!, 'POST', '/api/v1/account/login', { json: { username: 'guessed', password: `wrong-${i}` } });
      assert.equal(res.status, 401);
    }
    for (const node of cluster.nodes) {
      const res = await send(node, 'POST', '/api/v1/account/login', { json: { username: 'guessed', password: 'guessed-password-1' } });
      assert.equal(res.status, 429, node.name);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    }
  });

  it('SEC-14/67f 50 concurrent registrations of one username across the nodes create exactly one account', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send(cluster.nodes[i % 3]!, 'POST', '/api/v1/account/register', { json: { username: i % 2 ? 'Racer' : 'racer', password: `racer-password-${i}` } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1);
    assert.equal(statuses.filter((s) => s === 409).length, 49);
  });
});
