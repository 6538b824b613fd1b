// Test support: freePort never hands out a port the kernel may give an outgoing connection as its
// source port in the meantime (test/support/free-port.ts); the app round trip's listen once
// failed with EADDRINUSE that way. Part of `npm test` (storage-independent).
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ephemeralFloor, freePort } from '../support/free-port.js';

describe('freePort (test support)', () => {
  it('picks ports below the ephemeral range, which stay listenable while many connections take source ports', async () => {
    const floor = ephemeralFloor();
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) assert.ok(port >= 20_000 && port < floor, `${port} is below ${floor}`);
    // A burst of outgoing connections, each with an ephemeral source port, before the listens.
    const target = createServer((s) => s.end());
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const { port: targetPort } = target.address() as { port: number };
    const sockets: Socket[] = await Promise.all(
      Array.from({ length: 200 }, () => new Promise<Socket>((resolve, reject) => {
        const s = connect(targetPort, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      })),
    );
    for (const s of sockets) assert.ok(s.localPort! >= floor, `source port ${s.localPort} is in the ephemeral range`);
    try {
      for (const port of new Set(ports)) {
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', resolve);
        });
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });
});
