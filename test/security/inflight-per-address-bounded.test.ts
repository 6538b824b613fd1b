/**
 * Requests in flight per client address are bounded (docs/security.md, "Requests in flight per
 * address"): beyond MAX_INFLIGHT_PER_ADDRESS (64), a request is refused at once with 429 in its
 * surface's format (an HTML page on page routes), while a client at another address is still
 * answered; an address is admitted again as soon as its requests finish; a back end presenting
 * a service key already seen valid is not counted. The event loop's lag and the refusals are
 * exported as metrics. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 *
 * Logins are held in flight by a hasher that takes 300 ms per check (the fast hasher behind a
 * timer), so 300 requests really are in flight at once on either database.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import type { PasswordHasher } from '../../src/core/credentials/ports.js';
import { createFastHasher } from '../support/fast-hasher.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const LIMIT = 64;
const FLOOD = '198.51.100.30';
const CONTROL = '203.0.113.30';
const METRICS_TOKEN = 'inflight-metrics-token-0123456789';
const HOLD_MS = 300;

function slowHasher(): PasswordHasher {
  const fast = createFastHasher();
  return { ...fast, verify: async (stored, password) => (await sleep(HOLD_MS), fast.verify(stored, password)) };
}

describe('requests in flight per address are bounded', () => {
  let t: TestInstance;
  let serviceKey = '';

  before(async () => {
    t = await createTestInstance({ hasher: slowHasher(), env: { METRICS_TOKEN, LOGIN_IP_FAILURES_PER_MINUTE: '100000', LOGIN_FREE_FAILURES: '99' } });
    await t.service.registerAccount({ username: 'someone', password: 'a long and private passphrase' });
    serviceKey = (await t.latchkey.services.addServiceKey('backend', { rateLimit: 100_000 })).credential;
  });
  after(() => t.close());

  const slowLogin = (i: number, ip = FLOOD) =>
    t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: `nobody-${i}`, password: 'not a password at all' }, remoteAddress: ip });
  const introspect = (key: string, ip = FLOOD) =>
    t.app.inject({ method: 'POST', url: '/api/v1/introspect', headers: { authorization: `Bearer ${key}` }, payload: { session: 'x'.repeat(43) }, remoteAddress: ip });

  it('MAX_INFLIGHT_PER_ADDRESS defaults to 64, 0 turns it off, and it is validated', () => {
    assert.equal(loadConfig({}).maxInflightPerAddress, LIMIT);
    assert.equal(loadConfig({ MAX_INFLIGHT_PER_ADDRESS: '0' }).maxInflightPerAddress, 0);
    assert.throws(() => loadConfig({ MAX_INFLIGHT_PER_ADDRESS: 'many' }), /^ConfigError: MAX_INFLIGHT_PER_ADDRESS must be a whole number/);
  });

  it('300 concurrent requests from one address: the limit is served, the rest get a fast 429; other clients are answered', async () => {
    // A service key seen valid once is remembered.
    assert.equal((await introspect(serviceKey)).statusCode, 200);

    const finished: Array<{ status: number; at: number; body: string }> = [];
    const began = performance.now();
    const burst = Array.from({ length: 300 }, (_, i) =>
      slowLogin(i).then((r) => finished.push({ status: r.statusCode, at: performance.now() - began, body: r.body })),
    );
    await sleep(20); // every request of the burst has been received by now

    // While the address is full: a page answers an HTML 429, a wrong service key counts, a valid one does not.
    const page = await t.app.inject({ method: 'GET', url: '/login', remoteAddress: FLOOD });
    assert.equal(page.statusCode, 429);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['retry-after'], '1');
    assert.equal((await introspect(`lks_00000000-0000-4000-8000-000000000000_${'A'.repeat(43)}`)).statusCode, 429, 'a wrong service key is counted');
    assert.equal((await introspect(serviceKey)).statusCode, 200, 'a service key seen valid is not counted');

    const controlStart = performance.now();
    const control = await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: CONTROL });
    assert.equal(control.statusCode, 200);
    assert.ok(performance.now() - controlStart < 5000, 'the control client is answered');

    await Promise.all(burst);
    const refused = finished.filter((f) => f.status === 429);
    const served = finished.filter((f) => f.status !== 429);
    assert.equal(served.length, LIMIT, `served: ${served.length}`);
    assert.ok(served.every((f) => f.status === 401), 'the admitted ones were really checked');
    assert.equal(refused.length, 300 - LIMIT);
    for (const r of refused) {
      assert.equal(JSON.parse(r.body).error.code, 'throttled');
      assert.match(JSON.parse(r.body).error.message, /in flight/);
    }
    const firstServed = Math.min(...served.map((f) => f.at));
    assert.ok(refused.every((f) => f.at < firstServed), 'every refusal was answered before the first admitted request finished');

    // Finished requests free their slots: the address is admitted again.
    assert.equal((await slowLogin(1000)).statusCode, 401);

    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` }, remoteAddress: CONTROL });
    assert.equal(metrics.statusCode, 200);
    const rejected = /^latchkey_inflight_rejected_total (\d+)$/m.exec(metrics.body);
    assert.ok(rejected && Number(rejected[1]) >= 300 - LIMIT + 2, metrics.body.slice(0, 200));
    assert.match(metrics.body, /^latchkey_event_loop_lag_seconds\{stat="p99"\} [0-9.e-]+$/m);
  });

  it('the refusals are audited as rate_limited, folded into a counted row', async () => {
    await t.latchkey.audit.flush();
    const rows = await t.latchkey.database.db.selectFrom('audit_events').select(['detail']).where('type', '=', 'rate_limited').where('ip', '=', FLOOD).execute();
    assert.ok(rows.length <= 2, `${rows.length} rows`);
    const counted = rows.reduce((sum, r) => sum + ((JSON.parse(r.detail ?? '{}') as { count?: number }).count ?? 1), 0);
    assert.ok(counted >= 300 - LIMIT, `${counted} refusals counted`);
  });
});
