/**
 * With REDIS_URL set the nodes' session caches hear of changes on Redis, where only Latchkey's own
 * writers announce them (docs/decisions.md, "Session cache on PostgreSQL nodes"): the `latchkey
 * user` commands announce theirs too, so an account disabled from the command line is refused by a
 * node that was serving its session from memory, within a bound far below SESSION_CACHE_MAX_AGE
 * (a lost announcement would leave the copy served that long). Runs only with TEST_DATABASE_URL
 * and a Redis server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { deleteRedisPrefix, newRedisPrefix, redisSkipReason, TEST_REDIS_URL } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const skip = process.env.TEST_DATABASE_URL ? await redisSkipReason() : 'TEST_DATABASE_URL is not set';
/** Far below the 60 s copies live here, longer than any announcement takes on a loaded machine. */
const BOUND_MS = 15_000;

describe('session cache on Redis: the user commands announce their changes', { skip: skip ?? false }, () => {
  const prefix = newRedisPrefix();
  const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, SESSION_CACHE_MAX_AGE: '60' };
  let node: TestInstance;

  before(async () => {
    node = await createTestInstance({ hasher: 'fast', env });
  });
  after(async () => {
    await node?.close();
    await deleteRedisPrefix(prefix);
  });

  const me = async (access: string): Promise<number> =>
    (await node.app.inject({ method: 'GET', url: '/api/v1/account/me', headers: { authorization: `Bearer ${access}` } })).statusCode;

  it('SEC-67f `latchkey user disable` is refused by a node that had the session in memory', async () => {
    await node.service.registerAccount({ username: 'cli-disable', password: 'cli-disable-password' });
    const login = await node.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'cli-disable', password: 'cli-disable-password' } });
    assert.equal(login.statusCode, 200);
    const access = login.json().result.token.access as string;
    // Answered for a while, so the node's cache (trusted once its first heartbeat came back) holds it.
    const warmUntil = performance.now() + 1500;
    while (performance.now() < warmUntil) assert.equal(await me(access), 200);

    const disabled = await runCli(node, ['user', 'disable', 'cli-disable'], env);
    assert.equal(disabled.status, 0, disabled.err);
    await waitFor('the node refuses the disabled account', async () => (await me(access)) === 401, { timeoutMs: BOUND_MS, everyMs: 20 });
    assert.equal(await me(access), 401);
  });
});
