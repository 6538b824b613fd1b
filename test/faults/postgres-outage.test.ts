/**
 * SECURITY 67e / issue 6: the database goes away under load. Requests during the outage get a
 * 503 with a JSON error (never a wrong 401, never an authenticated answer), /readyz says not
 * ready, and the node recovers by itself within 5 s of the database returning, with no restart.
 * The outage is a TCP proxy between the node and PostgreSQL cutting every connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, startNode, stopNode, type Node } from '../multinode/cluster.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const enabled = Boolean(process.env.TEST_DATABASE_URL);

describe('PostgreSQL outage under load', { skip: enabled ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let node: Node;
  let access: string;

  before(async () => {
    database = createTestDatabase();
    const target = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    // One chain is rotated back to back, far past a real client's rate: lift the per-chain limit.
    node = await startNode('A', viaProxy.toString(), { REFRESH_ROTATIONS_PER_MINUTE: '1000000' });
    assert.equal((await send(node, 'POST', '/api/v1/account/register', { json: { username: 'outage', password: 'outage-password' } })).status, 200);
    const login = await send(node, 'POST', '/api/v1/account/login', { json: { username: 'outage', password: 'outage-password' } });
    access = login.body.result.token.access;
  });
  after(async () => {
    await stopNode(node);
    await proxy.close();
    await database.drop();
  });

  it('SEC-67e fails closed with 503 during the outage and recovers within 5 s without a restart', async () => {
    const seen: Array<{ phase: string; status: number; body: any }> = [];
    let phase = 'before';
    let stop = false;
    const load = (async () => {
      const deadline = Date.now() + 30_000;
      while (!stop && Date.now() < deadline) {
        const me = await send(node, 'GET', '/api/v1/account/me', { headers: { authorization: `Bearer ${access}` } }).catch(() => null);
        if (me) seen.push({ phase, status: me.status, body: me.body });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Refreshes hold a connection for a whole transaction: the cut must also hit checked-out clients.
    const rotations = (async () => {
      const deadline = Date.now() + 30_000;
      let token: string | null = null;
      while (!stop && Date.now() < deadline) {
        if (token === null) {
          const login = await send(node, 'POST', '/api/v1/account/login', { json: { username: 'outage', password: 'outage-password' } }).catch(() => null);
          if (login?.status === 200) token = login.body.result.token.refresh;
          else if (login) assert.equal(login.status, 503);
          continue;
        }
        const next = await send(node, 'GET', '/api/v1/account/refresh', { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
        if (next?.status === 200) token = next.body.result.token.refresh;
        else if (next) {
          assert.ok(next.status === 503 || next.status === 401, `refresh answered ${next.status}`);
          token = null;
        }
      }
    })();

    await new Promise((r) => setTimeout(r, 300));
    phase = 'outage';
    proxy.down();
    await new Promise((r) => setTimeout(r, 2500));
    const ready = await send(node, 'GET', '/readyz');
    assert.equal(ready.status, 503, '/readyz reports not ready during the outage');
    const login = await send(node, 'POST', '/api/v1/account/login', { json: { username: 'outage', password: 'outage-password' } });
    assert.equal(login.status, 503);
    assert.equal(login.body.error.code, 'unavailable');

    phase = 'recovery';
    proxy.up();
    const back = Date.now();
    let recoveredAfter = Infinity;
    while (Date.now() - back < 10_000) {
      const me = await send(node, 'GET', '/api/v1/account/me', { headers: { authorization: `Bearer ${access}` } });
      if (me.status === 200) {
        recoveredAfter = Date.now() - back;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    stop = true;
    await load;
    await rotations;

    assert.ok(recoveredAfter <= 5000, `recovered after ${recoveredAfter} ms`);
    assert.equal((await send(node, 'GET', '/readyz')).status, 200);
    const during = seen.filter((s) => s.phase === 'outage');
    assert.ok(during.length > 10, 'the load kept running during the outage');
    for (const s of seen) {
      assert.ok(s.status === 200 || s.status === 503, `unexpected ${s.status} in phase ${s.phase}`);
      if (s.status === 503) assert.equal(s.body.error.code, 'unavailable');
    }
    assert.ok(during.some((s) => s.status === 503), 'the outage was visible');
    assert.ok(seen.filter((s) => s.phase === 'before').every((s) => s.status === 200));
  });
});
