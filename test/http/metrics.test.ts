/**
 * Prometheus metrics as an operator sees them: /metrics behind METRICS_TOKEN (or 404 when off;
 * its own METRICS_PORT listener is test/http/metrics-port.test.ts); request counters by route
 * template; logins by surface and outcome after real logins on every surface; scrape-time
 * gauges; a scrape that still answers when the database is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { loginOutcome, loginSurface } from '../../src/http/metrics/logins.js';
import { createMetrics, SCRAPE_TIMEOUT_MS } from '../../src/http/metrics/registry.js';
import { action } from '../cookie/helpers.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { call, type JsonResponse } from '../support/http.js';
import { createFastHasher } from '../support/fast-hasher.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import type { PasswordHasher } from '../../src/core/credentials/ports.js';
import { waitFor } from '../support/wait.js';
import { parseExposition, valueOf, type Sample } from '../support/prometheus.js';

const TOKEN = 'scrape-token-0123456789abcdef';
const PASSWORD = 'a long and private passphrase';

async function scrape(t: TestInstance): Promise<{ res: JsonResponse; samples: Sample[] }> {
  const res = await call(t.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200, res.text);
  return { res, samples: parseExposition(res.text) };
}

describe('metrics: access', () => {
  it('without METRICS_TOKEN or METRICS_PORT, /metrics is a 404 like any unknown path', async () => {
    const t = await createTestInstance({ hasher: 'fast' });
    try {
      assert.equal(t.latchkey.metrics, null);
      for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }] as Array<Record<string, string>>) {
        const res = await call(t.app, 'GET', '/metrics', { headers });
        assert.equal(res.status, 404);
        assert.equal(res.body.error.code, 'not_found');
      }
    } finally {
      await t.close();
    }
  });

  it('with METRICS_TOKEN, /metrics needs exactly that bearer token', async () => {
    const t = await createTestInstance({ hasher: 'fast', env: { METRICS_TOKEN: TOKEN } });
    try {
      assert.equal(t.latchkey.metricsListener, null, 'no METRICS_PORT, no second listener');
      const refused: Array<Record<string, string>> = [
        {},
        { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
        { authorization: `Bearer ${TOKEN}x` },
        { authorization: `Basic ${Buffer.from(`metrics:${TOKEN}`).toString('base64')}` },
        { authorization: TOKEN },
      ];
      for (const headers of refused) {
        const res = await call(t.app, 'GET', '/metrics', { headers });
        assert.equal(res.status, 401, JSON.stringify(headers));
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"');
        assert.equal(res.body.ok, false);
        assert.doesNotMatch(res.text, /latchkey_/);
      }
      const { res } = await scrape(t);
      assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.ok(res.headers['x-request-id']);
      assert.match(res.text, /^# HELP /m);
      const lower = await call(t.app, 'GET', '/metrics', { headers: { authorization: `bearer ${TOKEN}` } });
      assert.equal(lower.status, 200, 'the scheme name is case-insensitive');
    } finally {
      await t.close();
    }
  });
});

describe('metrics: counters after real requests', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ env: { METRICS_TOKEN: TOKEN } }); // real argon2id: every login below hashes
  });
  after(() => t.close());

  it('counts logins by surface and outcome, requests by route template, and reports the gauges', async () => {
    const registered = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'metric-user', password: PASSWORD, email: 'metric@example.com' } });
    assert.equal(registered.status, 200, registered.text);

    // jwt: one success, one wrong password, one malformed body.
    assert.equal((await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'metric-user', password: PASSWORD } })).status, 200);
    assert.equal((await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'metric-user', password: 'not the password' } })).status, 401);
    assert.equal((await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'metric-user' } })).status, 400);
    // cookie: one success; another action of the same route is not a login.
    const jar = new CookieJar();
    assert.equal((await action(t.app, jar, 'login', { username: 'metric-user', password: PASSWORD })).status, 200);
    assert.equal((await action(t.app, jar, 'check_login')).status, 200);
    // page: one success through the form.
    const pageJar = new CookieJar();
    const form = await getPage(t.app, pageJar, '/login');
    const page = await postForm(t.app, pageJar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'metric-user', password: PASSWORD });
    assert.equal(page.status, 303);
    // basic: the Basic API's login check with credentials, and once without any.
    const basic = `Basic ${Buffer.from(`metric-user:${PASSWORD}`).toString('base64')}`;
    assert.equal((await call(t.app, 'GET', '/api/', { headers: { authorization: basic } })).status, 200);
    assert.equal((await call(t.app, 'GET', '/api/')).status, 401);
    // a password reset request queues one email.
    assert.equal((await call(t.app, 'POST', '/api/account/pw/reset', { json: { username: 'metric-user' } })).status, 200);
    // an unknown path with a secret in its query string.
    assert.equal((await call(t.app, 'GET', '/nowhere/at-all?token=s3cr3t-link-token')).status, 404);
    assert.equal((await call(t.app, 'GET', '/api/%zz')).status, 400, 'a URL the router cannot take');

    const { res, samples } = await scrape(t);
    const logins = (surface: string, outcome: string): number | undefined => valueOf(samples, 'latchkey_logins_total', { surface, outcome });
    assert.equal(logins('jwt', 'success'), 1);
    assert.equal(logins('jwt', 'failure'), 1);
    assert.equal(logins('jwt', 'invalid'), 1);
    assert.equal(logins('cookie', 'success'), 1, 'check_login is not a login');
    assert.equal(logins('page', 'success'), 1);
    assert.equal(logins('basic', 'success'), 1);
    assert.equal(logins('basic', 'invalid'), 1, 'no credentials at all: no password was checked');
    assert.equal(logins('basic', 'failure'), 0, 'every combination is reported, zero included');
    assert.equal(logins('cookie', 'throttled'), 0);

    const requests = (method: string, route: string, status: string): number | undefined =>
      valueOf(samples, 'latchkey_http_requests_total', { method, route, status });
    assert.equal(requests('POST', '/api/v1/account/login', '200'), 1);
    assert.equal(requests('POST', '/api/v1/account/login', '401'), 1);
    assert.equal(requests('POST', '/api/v1/account/login', '400'), 1);
    assert.equal(requests('POST', '/accounts/action/', '200'), 2);
    assert.equal(requests('POST', '/login', '303'), 1);
    assert.equal(requests('GET', '/api', '401'), 1, 'GET /api/ is the route /api of the /api scope');
    assert.equal(requests('GET', 'unmatched', '404'), 1);
    assert.equal(requests('GET', 'unmatched', '400'), 1);
    assert.doesNotMatch(res.text, /s3cr3t|nowhere/, 'no raw URL, no query string in any label');
    assert.equal(valueOf(samples, 'latchkey_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/account/login', status: '200' }), 1);
    const loginSeconds = valueOf(samples, 'latchkey_http_request_duration_seconds_sum', { method: 'POST', route: '/api/v1/account/login', status: '200' });
    assert.ok(loginSeconds !== undefined && loginSeconds > 0.005 && loginSeconds < 30, `an argon2id login takes milliseconds: ${loginSeconds}`);
    assert.equal(valueOf(samples, 'latchkey_http_request_duration_seconds_bucket', { method: 'POST', route: '/api/v1/account/login', status: '200', le: '+Inf' }), 1);

    assert.equal(valueOf(samples, 'latchkey_hash_queue_depth'), 0);
    assert.equal(valueOf(samples, 'latchkey_hash_in_flight'), 0);
    assert.equal(valueOf(samples, 'latchkey_active_sessions', { kind: 'token' }), 1, 'the JWT login');
    assert.equal(valueOf(samples, 'latchkey_active_sessions', { kind: 'cookie' }), 2, 'the cookie API login and the page login');
    assert.equal(valueOf(samples, 'latchkey_outbox_backlog', { state: 'pending' }), 1, 'the reset email, not sent yet');
    assert.equal(valueOf(samples, 'latchkey_outbox_backlog', { state: 'failed' }), 0);
    assert.equal(valueOf(samples, 'latchkey_scrape_errors_total', { gauge: 'latchkey_outbox_backlog' }), 0);
    assert.ok(valueOf(samples, 'latchkey_process_cpu_user_seconds_total') !== undefined, 'default process metrics, prefixed');
    assert.ok(samples.some((s) => s.name === 'latchkey_nodejs_eventloop_lag_seconds'));
  });

  it('the gauges follow the data: a sent email leaves the backlog, a logout ends a session', async () => {
    const before = (await scrape(t)).samples;
    const tokens = valueOf(before, 'latchkey_active_sessions', { kind: 'token' }) ?? 0;
    const login = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'metric-user', password: PASSWORD } });
    assert.equal(login.status, 200);
    assert.equal(valueOf((await scrape(t)).samples, 'latchkey_active_sessions', { kind: 'token' }), tokens + 1);
    const logout = await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: { authorization: `Bearer ${login.body.result.token.access}` } });
    assert.equal(logout.status, 200);
    assert.equal(await t.flushOutbox(), 1);
    const { samples } = await scrape(t);
    assert.equal(valueOf(samples, 'latchkey_active_sessions', { kind: 'token' }), tokens);
    assert.equal(valueOf(samples, 'latchkey_outbox_backlog', { state: 'pending' }), 0);
  });
});

describe('metrics: throttled and unavailable logins, and the hash gauges', () => {
  it('a blocked login counts as throttled, a full hash queue as unavailable, and the gauges show the hasher busy', async () => {
    const fast = createFastHasher();
    let opened!: () => void;
    const gate = new Promise<void>((resolve) => (opened = resolve));
    // Checks of 'held-password' wait for the gate, so a test can fill the hasher on purpose.
    const hasher: PasswordHasher = { ...fast, verify: async (stored, password) => (password === 'held-password' ? gate.then(() => false) : fast.verify(stored, password)) };
    const t = await createTestInstance({ hasher, env: { METRICS_TOKEN: TOKEN, LOGIN_FREE_FAILURES: '1', HASH_CONCURRENCY: '1', HASH_QUEUE_LIMIT: '1' } });
    try {
      await t.service.registerAccount({ username: 'slow-user', password: PASSWORD });
      const wrong = { json: { username: 'slow-user', password: 'not the password' } };
      assert.equal((await call(t.app, 'POST', '/api/v1/account/login', wrong)).status, 401);
      assert.equal((await call(t.app, 'POST', '/api/v1/account/login', wrong)).status, 401, 'the one free failure is used up: blocked from now on');
      assert.equal((await call(t.app, 'POST', '/api/v1/account/login', wrong)).status, 429);

      const held = { json: { username: 'someone-else', password: 'held-password' } };
      const first = call(t.app, 'POST', '/api/v1/account/login', held);
      const second = call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'third-user', password: 'held-password' } });
      await waitFor('the second held login to queue behind the first', () => t.latchkey.hasher.load().queued >= 1, { everyMs: 5 });
      const full = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'fourth-user', password: PASSWORD } });
      assert.equal(full.status, 503);
      const busy = (await scrape(t)).samples;
      assert.equal(valueOf(busy, 'latchkey_hash_in_flight'), 1);
      assert.equal(valueOf(busy, 'latchkey_hash_queue_depth'), 1);
      opened();
      assert.deepEqual([(await first).status, (await second).status], [401, 401]);

      const { samples } = await scrape(t);
      assert.equal(valueOf(samples, 'latchkey_logins_total', { surface: 'jwt', outcome: 'throttled' }), 1);
      assert.equal(valueOf(samples, 'latchkey_logins_total', { surface: 'jwt', outcome: 'unavailable' }), 1);
      assert.equal(valueOf(samples, 'latchkey_logins_total', { surface: 'jwt', outcome: 'failure' }), 4);
      assert.equal(valueOf(samples, 'latchkey_hash_in_flight'), 0);
      assert.equal(valueOf(samples, 'latchkey_hash_queue_depth'), 0);
    } finally {
      opened();
      await t.close();
    }
  });
});

describe('metrics: a scrape when the database is gone', () => {
  it('still answers 200: the database gauges are left out and counted as scrape errors', async () => {
    const t = await createTestInstance({ hasher: 'fast', env: { METRICS_TOKEN: TOKEN } });
    try {
      await t.latchkey.database.close(); // every query fails from now on, as when the database is unreachable
      const first = await scrape(t);
      assert.equal(first.samples.filter((s) => s.name === 'latchkey_outbox_backlog' || s.name === 'latchkey_active_sessions').length, 0);
      assert.equal(valueOf(first.samples, 'latchkey_scrape_errors_total', { gauge: 'latchkey_outbox_backlog' }), 1);
      assert.equal(valueOf(first.samples, 'latchkey_scrape_errors_total', { gauge: 'latchkey_active_sessions' }), 1);
      assert.equal(valueOf(first.samples, 'latchkey_hash_in_flight'), 0, 'the gauges that need no database are still there');
      const second = await scrape(t);
      assert.equal(valueOf(second.samples, 'latchkey_scrape_errors_total', { gauge: 'latchkey_active_sessions' }), 2);
    } finally {
      await t.close();
    }
  });

  it('a database that does not answer delays a scrape by at most the scrape timeout, and slow reads are shared', async () => {
    let reads = 0;
    const metrics = createMetrics({
      hashLoad: () => ({ running: 0, queued: 0 }),
      outboxBacklog: () => {
        reads++;
        return new Promise(() => {}); // never answers
      },
      activeSessions: async () => ({ cookie: 2, token: 3 }),
    });
    const started = Date.now();
    const [a, b] = await Promise.all([metrics.render(), metrics.render()]);
    const elapsed = Date.now() - started;
    // Not before the timeout; the margin after it is loose (a loaded machine) but catches a scrape that waits for the read.
    console.log(`# a scrape with a database that never answers took ${elapsed} ms (scrape timeout ${SCRAPE_TIMEOUT_MS} ms)`);
    assert.ok(elapsed >= SCRAPE_TIMEOUT_MS - 50 && elapsed < SCRAPE_TIMEOUT_MS + 10_000, `took ${elapsed} ms`);
    assert.equal(reads, 1, 'two scrapes at once wait for one read');
    for (const text of [a, b]) {
      const samples = parseExposition(text);
      assert.equal(valueOf(samples, 'latchkey_outbox_backlog', { state: 'pending' }), undefined);
      assert.equal(valueOf(samples, 'latchkey_active_sessions', { kind: 'token' }), 3);
    }
    assert.equal(valueOf(parseExposition(b), 'latchkey_scrape_errors_total', { gauge: 'latchkey_outbox_backlog' }), 2);
  });
});

describe('metrics: configuration and login classification', () => {
  it('reads METRICS_TOKEN, METRICS_PORT and METRICS_HOST, and names the variable on a bad value without echoing the token', () => {
    const off = loadConfig({});
    assert.deepEqual([off.metricsToken, off.metricsPort, off.metricsHost], [null, null, '127.0.0.1']);
    const on = loadConfig({ METRICS_TOKEN: TOKEN, METRICS_PORT: '9464', HOST: '0.0.0.0' });
    assert.deepEqual([on.metricsToken, on.metricsPort, on.metricsHost], [TOKEN, 9464, '0.0.0.0']);
    assert.equal(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metricsHost, '10.0.0.5');
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ METRICS_TOKEN: 'short-secret' }, /^METRICS_TOKEN must be 16 to 256/],
      [{ METRICS_TOKEN: 'has spaces in it, sixteen+' }, /^METRICS_TOKEN /],
      [{ METRICS_PORT: 'ninety' }, /^METRICS_PORT must be a whole number/],
      [{ METRICS_PORT: '70000' }, /^METRICS_PORT must be between 0 and 65535/],
      [{ METRICS_PORT: '3000' }, /^METRICS_PORT must differ from PORT/],
      [{ PORT: '8080', METRICS_PORT: '8080' }, /^METRICS_PORT must differ from PORT/],
    ];
    for (const [env, message] of bad) {
      assert.throws(() => loadConfig(env), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, message);
        assert.doesNotMatch(err.message, /short-secret|has spaces/, 'the token is never echoed');
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
    }
  });

  it('classifies logins by route template and status', () => {
    assert.equal(loginSurface('POST', '/api/v1/account/login', {}), 'jwt');
    assert.equal(loginSurface('POST', '/accounts/action/', { do: 'login' }), 'cookie');
    assert.equal(loginSurface('POST', '/accounts/action/', { do: 'check_login' }), null);
    assert.equal(loginSurface('POST', '/accounts/action/', undefined), null);
    assert.equal(loginSurface('POST', '/login', {}), 'page');
    assert.equal(loginSurface('GET', '/api', {}), 'basic');
    assert.equal(loginSurface('DELETE', '/api/account', {}), 'basic');
    assert.equal(loginSurface('POST', '/api/account/pw/change', {}), 'basic');
    assert.equal(loginSurface('POST', '/api/account/pw/reset', {}), null, 'a reset request checks no password');
    assert.equal(loginSurface('GET', '/api/v1/account/refresh', {}), null);
    assert.equal(loginSurface('GET', '/login', {}), null);
    const basic = 'Basic dTpw';
    const table: Array<[number, string | undefined, string]> = [
      [200, basic, 'success'],
      [303, undefined, 'success'],
      [401, basic, 'failure'],
      [429, basic, 'throttled'],
      [503, basic, 'unavailable'],
      [500, basic, 'unavailable'],
      [400, basic, 'invalid'],
      [403, basic, 'invalid'],
      [413, basic, 'invalid'],
      [415, basic, 'invalid'],
    ];
    for (const [status, authorization, outcome] of table) assert.equal(loginOutcome('jwt', status, authorization), outcome, String(status));
    assert.equal(loginOutcome('basic', 401, basic), 'failure');
    assert.equal(loginOutcome('basic', 401, undefined), 'invalid');
    assert.equal(loginOutcome('basic', 401, 'Bearer x'), 'invalid');
    assert.equal(loginOutcome('jwt', 401, undefined), 'failure');
  });
});
