/**
 * SEC-61 over real TCP against `latchkey serve`: oversized headers and bodies are refused early,
 * and a slow-body (slowloris) client is cut off by the server's request timeout (REQUEST_TIMEOUT,
 * 4 s here, 30 s by default; checked every second here) instead of holding the connection, while other clients are served
 * meanwhile. JSON nesting and the 64 KiB body limit through the app are in
 * test/http/native-bad-input.test.ts.
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
    const started = Date.now();
    const res = await raw((s) => {
      s.write('POST /api/v1/account/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n');
      s.write(Buffer.alloc(256 * 1024, 0x20)); // the first part of the 10 MB; the answer must not wait for the rest
    }, 5000);
    assert.match(res.text, /^HTTP\/1\.1 413 /, res.text.slice(0, 200));
    assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
    assert.equal((await send(node, 'GET', '/healthz')).status, 200);
  });

  it('SEC-61 a client dripping its body one byte every 250 ms is cut off by the request timeout with a 408; others are served meanwhile', async () => {
    let served = 0;
    const res = await raw((s) => {
      s.write('POST /api/v1/account/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const drip = setInterval(() => {
        if (s.destroyed) return clearInterval(drip);
        s.write(' ');
        void send(node, 'GET', '/healthz').then((r) => (served += r.status === 200 ? 1 : 0));
      }, 250);
      s.on('close', () => clearInterval(drip));
    }, 20_000);
    // With REQUEST_TIMEOUT=4 the server checks every second (src/http/app.ts): the cut comes 4 to 5 s in.
    assert.ok(res.closed, `the connection was still open after ${res.ms} ms`);
    assert.ok(res.ms >= 3_900 && res.ms < 8_000, `closed after ${res.ms} ms`);
    assert.match(res.text, /^HTTP\/1\.1 408 /, res.text.slice(0, 200));
    assert.ok(served >= 10, `${served} health checks served meanwhile`);
  });
});
