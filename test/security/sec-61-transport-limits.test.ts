/**
 * SEC-61 over real TCP against `latchkey serve`: oversized headers and bodies are refused early,
 * and a slow-body (slowloris) client is cut off by the server's request timeout (REQUEST_TIMEOUT,
 * 4 s here, 30 s by default; checked every second here) instead of holding the connection, while other clients are served
 * meanwhile. JSON nesting and the 64 KiB body limit through the app are in
 * test/http/jwt-api-bad-input.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { send, startNode, stopNode, type Node } from '../multinode/cluster.js';

describe('SEC-61 transport limits on a real server', () => {
  let node: Node;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-limits-'));
    node = await startNode('limits', `sqlite:${join(dir, 'limits.db')}`, { REQUEST_TIMEOUT: '4' });
  });
  after(async () => {
    await stopNode(node);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends raw bytes and resolves with what came back and how long until the server closed. */
  function raw(write: (socket: ReturnType<typeof connect>) => void, timeoutMs: number): Promise<{ text: string; ms: number; closed: boolean }> {
    const { port, hostname } = new URL(node.url);
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = connect(Number(port), hostname);
      let text = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ text, ms: Date.now() - started, closed: false });
      }, timeoutMs);
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ text, ms: Date.now() - started, closed: true });
      });
      socket.on('connect', () => write(socket));
    });
  }

  it('SEC-61 a 32 KB header is refused with 431 and a 10 MB body with 413, at once, and the server stays up', async () => {
    const big = await fetch(`${node.url}/api/v1/account/me`, { headers: { 'x-padding': 'a'.repeat(32 * 1024) } }).then(
      (r) => r.status,
      () => 'closed',
    );
    assert.ok(big === 431 || big === 'closed', String(big));
    const res = await raw((s) => {
      s.write('POST /api/v1/account/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n');
      s.write(Buffer.alloc(256 * 1024, 0x20)); // the first part of the 10 MB; the answer must not wait for the rest
    }, 30_000);
    // "At once" is shown by the status, not by a clock: the rest of the body never comes, so a
    // server that waited for it would answer 408 when REQUEST_TIMEOUT (4 s) runs out, not 413.
    console.log(`# 413 for a 10 MB body after ${res.ms} ms (a server waiting for the body would answer 408 after 4 s)`);
    assert.match(res.text, /^HTTP\/1\.1 413 /, res.text.slice(0, 200));
    assert.equal((await send(node, 'GET', '/healthz')).status, 200);
  });

  it('SEC-61 a client dripping its body one byte every 250 ms is cut off by the request timeout with a 408; others are served meanwhile', async () => {
    const checks: Array<Promise<number>> = [];
    let servedWhileOpen = 0;
    let open = true;
    const res = await raw((s) => {
      s.write('POST /api/v1/account/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const drip = setInterval(() => {
        if (s.destroyed) return clearInterval(drip);
        s.write(' ');
        checks.push(
          send(node, 'GET', '/healthz').then((r) => {
            if (r.status === 200 && open) servedWhileOpen++;
            return r.status;
          }),
        );
      }, 250);
      s.on('close', () => {
        open = false;
        clearInterval(drip);
      });
    }, 60_000);
    const statuses = await Promise.all(checks);
    // With REQUEST_TIMEOUT=4 the server checks every second (src/http/app.ts): the cut comes 4 to 5 s
    // in on an idle machine. Never before 4 s; the upper bound is loose for a loaded machine (it
    // catches a server that never cuts), the figure is printed.
    console.log(`# slow client cut off after ${res.ms} ms; ${servedWhileOpen} of ${checks.length} health checks answered while it was connected`);
    assert.ok(res.closed, `the connection was still open after ${res.ms} ms`);
    assert.ok(res.ms >= 3_900 && res.ms < 30_000, `closed after ${res.ms} ms`);
    assert.match(res.text, /^HTTP\/1\.1 408 /, res.text.slice(0, 200));
    assert.deepEqual(statuses.filter((st) => st !== 200), [], 'every health check sent meanwhile was answered 200');
    assert.ok(servedWhileOpen >= 5, `${servedWhileOpen} health checks served while the slow client was connected`);
  });
});
