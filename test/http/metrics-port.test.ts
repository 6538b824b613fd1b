/**
 * The METRICS_PORT listener: /metrics without a token on its own port and nothing else there,
 * both modes at once, and `latchkey serve` starting and stopping the listener.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { createTestDatabase } from '../support/database.js';
import { call } from '../support/http.js';
import { createTestInstance } from '../support/instance.js';
import { freePort } from '../support/free-port.js';
import { parseExposition, valueOf } from '../support/prometheus.js';

const TOKEN = 'scrape-token-0123456789abcdef';

describe('metrics: the METRICS_PORT listener', () => {
  it('serves /metrics without a token on its own port and nothing else; both modes may be on at once', async () => {
    const t = await createTestInstance({ hasher: 'fast', env: { METRICS_PORT: '0', METRICS_TOKEN: TOKEN } });
    try {
      const listener = t.latchkey.metricsListener;
      assert.ok(listener, 'METRICS_PORT builds a listener');
      const address = await listener.listen({ port: 0, host: '127.0.0.1' });
      assert.equal((await call(t.app, 'GET', '/healthz')).status, 200);
      const res = await fetch(`${address}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const samples = parseExposition(await res.text());
      assert.equal(valueOf(samples, 'latchkey_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }), 1, 'the main port\'s traffic');
      assert.equal(samples.filter((s) => s.name === 'latchkey_http_requests_total' && s.labels.route === '/metrics').length, 0, 'scrapes of this port are not counted');
      for (const path of ['/healthz', '/api/v1/account/login', '/metrics/x']) {
        const other = await fetch(`${address}${path}`);
        assert.equal(other.status, 404, path);
        assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'not_found');
      }
      assert.equal((await call(t.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, 'the main port still serves it with the token');
      assert.equal((await call(t.app, 'GET', '/metrics')).status, 401);
    } finally {
      await t.close();
    }
  });

  it('with METRICS_PORT only, /metrics on the main port is a 404', async () => {
    const t = await createTestInstance({ hasher: 'fast', env: { METRICS_PORT: '0' } });
    try {
      assert.ok(t.latchkey.metrics);
      assert.equal((await call(t.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
    } finally {
      await t.close();
    }
  });

  it('latchkey serve listens on METRICS_PORT, writes only JSON lines, and closes both ports on SIGTERM', async () => {
    const database = createTestDatabase();
    const [port, metricsPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      env: { ...process.env, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!(await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false))) {
        assert.ok(child.exitCode === null, `serve exited: ${stderr}`);
        assert.ok(Date.now() < deadline, 'serve did not answer within 20 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(scraped.status, 200);
      const samples = parseExposition(await scraped.text());
      assert.ok((valueOf(samples, 'latchkey_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }) ?? 0) >= 1);
      assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404, 'no METRICS_TOKEN: not on the main port');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), 'the metrics port is closed');
      const lines = stdout.split('\n').filter(Boolean);
      assert.ok(lines.length >= 3, stdout);
      for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
      const parsed = lines.map((l) => JSON.parse(l) as { msg?: string; listener?: string; reqId?: string });
      assert.ok(parsed.some((l) => l.listener === 'metrics' && /listening/i.test(l.msg ?? '')), 'the metrics listener says where it listens');
      assert.ok(parsed.some((l) => l.msg === 'shutting down'));
      for (const l of parsed.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed')) assert.ok(l.reqId, JSON.stringify(l));
      assert.equal(parsed.filter((l) => l.listener === 'metrics' && l.reqId).length, 0, 'scrapes are not logged');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
    }
  });
});

