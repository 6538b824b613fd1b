/**
 * A login whose client disconnects while it waits for the hash queue is not hashed
 * (docs/security.md, "Bounded hashing"): under overload, clients that time out and retry would
 * otherwise have their abandoned logins hashed for nobody, ahead of those still waiting. Over a
 * real socket (inject has no connection to close), on SQLite, and on PostgreSQL with
 * TEST_DATABASE_URL. One check at a time (HASH_CONCURRENCY=1); the hasher holds each check
 * until the test lets it go, and counts them.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { PasswordHasher } from '../../src/core/credentials/ports.js';
import { createFastHasher } from '../support/fast-hasher.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const PASSWORD = 'a long and private passphrase';

/** The fast hasher, whose checks each wait for `release()`; `checks` counts those begun. */
function heldHasher(): PasswordHasher & { checks: number; release(): void } {
  const fast = createFastHasher();
  const gates: Array<() => void> = [];
  const h = {
    ...fast,
    checks: 0,
    async verify(stored: string, password: string) {
      h.checks++;
      await new Promise<void>((resolve) => gates.push(resolve));
      return fast.verify(stored, password);
    },
    /** Lets the oldest held check go on (the test calls it once that check has begun). */
    release() {
      gates.shift()?.();
    },
  };
  return h;
}

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!(await ok())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

describe('SEC-67a a login whose client has gone is not hashed', () => {
  let t: TestInstance;
  let hasher: ReturnType<typeof heldHasher>;
  let port = 0;

  before(async () => {
    hasher = heldHasher();
    t = await createTestInstance({ hasher, env: { HASH_CONCURRENCY: '1' } });
    await t.service.registerAccount({ username: 'waiting', password: PASSWORD });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as { port: number }).port;
  });
  after(() => t.close());

  /** Sends a JWT login over a socket of its own; resolves to the socket and the answer's status line. */
  function login(): { socket: Socket; status: Promise<string> } {
    const body = JSON.stringify({ username: 'waiting', password: PASSWORD });
    const socket = connect(port, '127.0.0.1');
    socket.write(`POST /api/v1/account/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const status = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => {
        text += String(d);
        if (text.includes('\r\n')) resolve(text.slice(0, text.indexOf('\r\n')));
      });
      socket.on('close', () => resolve(text.slice(0, text.indexOf('\r\n'))));
    });
    return { socket, status };
  }

  const connections = (): Promise<number> => new Promise((resolve, reject) => t.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

  it('SEC-67a skips the queued check of a client that disconnected, and answers the others', async () => {
    const first = login();
    await until('the first check runs', () => hasher.checks === 1);
    const abandoned = login();
    await until('the second login waits in the queue', () => t.latchkey.hasher.load().queued === 1);
    abandoned.socket.destroy();
    await until('the server has seen it close', async () => (await connections()) === 1);

    hasher.release();
    assert.equal(await first.status, 'HTTP/1.1 200 OK');
    first.socket.destroy();
    await until('the queue is empty', () => t.latchkey.hasher.load().queued === 0);
    await sleep(20);
    const checks = hasher.checks;
    if (checks > 1) hasher.release(); // (the abandoned check was begun: let it end)
    assert.equal(checks, 1, 'the abandoned login was hashed');
    assert.deepEqual(t.latchkey.hasher.load(), { running: 0, queued: 0 });

    // The next client is served as before.
    const next = login();
    await until('the next check runs', () => hasher.checks === 2);
    hasher.release();
    assert.equal(await next.status, 'HTTP/1.1 200 OK');
    next.socket.destroy();
  });
});
