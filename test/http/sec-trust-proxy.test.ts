/**
 * SEC-20: the client address used by the limiters and recorded on sessions is the socket's
 * unless TRUST_PROXY names the proxy in front; a spoofed X-Forwarded-For changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const PASSWORD = 'a long and private passphrase';

async function sessionIps(t: TestInstance): Promise<string[]> {
  const rows = await t.latchkey.database.db.selectFrom('sessions').select('ip').orderBy('created_at').execute();
  return rows.map((r) => String(r.ip));
}

function login(t: TestInstance, username: string, password: string, from: string, xff?: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/account/login',
    payload: { username, password },
    remoteAddress: from,
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  });
}

describe('client address without TRUST_PROXY', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance(); // real argon2id: the login that records the session is the production path
    await t.service.registerAccount({ username: 'proxied', password: PASSWORD });
  });
  after(() => t.close());

  it('SEC-20 a different X-Forwarded-For on every request does not escape the per-address login limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) {
      statuses.push((await login(t, `spray-${i}`, 'Summer2026!', '192.0.2.10', `198.51.100.${i}, 203.0.113.${i}`)).statusCode);
    }
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401));
    assert.deepEqual(statuses.slice(21), [429, 429, 429], 'blocked as one address, whatever the header says');
    assert.equal((await login(t, 'spray-x', 'Summer2026!', '192.0.2.11', '192.0.2.10')).statusCode, 401, 'and naming the blocked address in the header does not block another client');
  });

  it('SEC-20 a session records the socket address, not the header', async () => {
    const res = await login(t, 'proxied', PASSWORD, '192.0.2.20', '203.0.113.99');
    assert.equal(res.statusCode, 200);
    assert.deepEqual((await sessionIps(t)).slice(-1), ['192.0.2.20']);
  });
});

describe('client address with TRUST_PROXY=10.0.0.5 (the test client is the proxy)', () => {
  let t: TestInstance;
  const PROXY = '10.0.0.5';
  before(async () => {
    t = await createTestInstance({ env: { TRUST_PROXY: `${PROXY}, 2001:db8::/32` } });
    await t.service.registerAccount({ username: 'behind-proxy', password: PASSWORD });
  });
  after(() => t.close());

  it('SEC-20 X-Forwarded-For from the trusted proxy is honoured: each client behind it has its own budget', async () => {
    const first: number[] = [];
    for (let i = 0; i < 23; i++) first.push((await login(t, `spray-${i}`, 'Summer2026!', PROXY, '203.0.113.7')).statusCode);
    assert.deepEqual(first.slice(0, 20), Array(20).fill(401));
    assert.deepEqual(first.slice(21), [429, 429]);
    assert.equal((await login(t, 'spray-0', 'Summer2026!', PROXY, '203.0.113.8')).statusCode, 401, 'another client behind the same proxy is not blocked');
  });

  it('SEC-20 a client cannot escape by prepending addresses: the nearest untrusted hop counts', async () => {
    // The proxy appends the address it saw (nginx $proxy_add_x_forwarded_for); what the client sent stays in front.
    const statuses: number[] = [];
    for (let i = 0; i < 23; i++) statuses.push((await login(t, `chain-${i}`, 'Summer2026!', PROXY, `198.51.100.${i}, 203.0.113.50`)).statusCode);
    assert.deepEqual(statuses.slice(21), [429, 429]);
  });

  it('SEC-20 X-Forwarded-For from anyone but the proxy is ignored', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 23; i++) statuses.push((await login(t, `direct-${i}`, 'Summer2026!', '192.0.2.77', `203.0.113.${100 + i}`)).statusCode);
    assert.deepEqual(statuses.slice(21), [429, 429]);
  });

  it('SEC-20 sessions record the client address the proxy reported', async () => {
    assert.equal((await login(t, 'behind-proxy', PASSWORD, PROXY, '203.0.113.200')).statusCode, 200);
    assert.equal((await login(t, 'behind-proxy', PASSWORD, '192.0.2.78', '203.0.113.201')).statusCode, 200);
    assert.equal((await login(t, 'behind-proxy', PASSWORD, '2001:db8::1', '2001:db8:1::99, 198.51.100.5')).statusCode, 200);
    assert.deepEqual((await sessionIps(t)).slice(-3), ['203.0.113.200', '192.0.2.78', '198.51.100.5']);
  });
});

describe('TRUST_PROXY configuration', () => {
  it('SEC-20 takes proxy addresses and CIDR ranges', () => {
    assert.equal(loadConfig({}).trustProxy, null);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8' }).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  });

  it('SEC-20 refuses hop counts, wildcards, /0 and names with one line naming the variable', () => {
    for (const bad of ['true', '1', '2', '*', '0.0.0.0/0', '::/0', '10.0.0.0/33', '10.0.0.0/8/1', 'proxy.internal', 'loopback', '10.0.0.300']) {
      assert.throws(
        () => loadConfig({ TRUST_PROXY: bad }),
        (e) => e instanceof ConfigError && /^TRUST_PROXY must be a comma-separated list of proxy addresses or CIDR ranges/.test(e.message) && !e.message.includes('\n'),
        bad,
      );
    }
  });
});
