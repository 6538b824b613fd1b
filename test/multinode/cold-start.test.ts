/**
 * Three nodes started at the same moment on a new, empty schema: migrations run once (the
 * migrator's lock serializes them), and the nodes agree on one signing key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase } from '../support/database.js';
import { send, startNode, stopNode } from './cluster.js';

describe('cold start of three nodes at once', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' }, () => {
  it('migrates once and publishes one key set', async () => {
    const database = createTestDatabase();
    const nodes = await Promise.all(['A', 'B', 'C'].map((name) => startNode(name, database.url)));
    try {
      const sets = await Promise.all(nodes.map((n) => send(n, 'GET', '/.well-known/jwks.json')));
      const kids = sets.map((s) => s.body.keys.map((k: { kid: string }) => k.kid).join());
      assert.equal(new Set(kids).size, 1);
      assert.equal(sets[0]!.body.keys.length, 1);
      const ready = await Promise.all(nodes.map((n) => send(n, 'GET', '/readyz')));
      assert.ok(ready.every((r) => r.status === 200));
      const reg = await send(nodes[1]!, 'POST', '/api/v1/account/register', { json: { username: 'cold', password: 'cold-password' } });
      assert.equal(reg.status, 200);
      const login = await send(nodes[2]!, 'POST', '/api/v1/account/login', { json: { username: 'cold', password: 'cold-password' } });
      const me = await send(nodes[0]!, 'GET', '/api/v1/account/me', { headers: { authorization: `Bearer ${login.body.result.token.access}` } });
      assert.equal(me.status, 200);
    } finally {
      await Promise.all(nodes.map(stopNode));
      await database.drop();
    }
  });
});
