/**
 * A TCP port on the loopback interface that was free a moment ago, for a server a test starts
 * later (often after an instance has migrated its database, seconds on PostgreSQL).
 *
 * The port is picked at random below the kernel's ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range), never from it: a port in that range, even one that
 * `listen(0)` just handed out and gave back, can meanwhile become the source port of an outgoing
 * connection (to PostgreSQL, to the SMTP sink), and the test's own listen then fails with
 * EADDRINUSE, as the app round trip once did in CI. Below the range only another explicit bind
 * can take it: another test's pick of the same random port, about 1 in 12,000.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

const FLOOR = 20_000;

/** The lowest port of the kernel's ephemeral range (32768 where it cannot be read). */
export function ephemeralFloor(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > FLOOR + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const top = ephemeralFloor();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FLOOR + Math.floor(Math.random() * (top - FLOOR));
    if (await tryListen(port)) return port;
  }
  throw new Error(`no free port found between ${FLOOR} and ${top - 1} in 50 tries`);
}

/** `server.listen(port, '127.0.0.1')` as a promise that fails on an error (EADDRINUSE) instead of waiting forever. */
export function listenOn(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
