/**
 * Cross-node revocation latency on PostgreSQL (issue 20): three Latchkey nodes (from dist/,
 * SESSION_CACHE on) on one schema of their own; each round logs in on one node, has every node
 * accept the access token several times (so each has it cached), logs out on the next node, and
 * measures from the logout's answer until each of the other two nodes refuses the token (polled
 * over keep-alive connections). The channel is PostgreSQL's LISTEN/NOTIFY, or Redis pub/sub when
 * `redisUrl` is given (REDIS_URL on the three nodes, with a REDIS_PREFIX of their own). Bounded:
 * 5 s per wait, every node stopped and the schema dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { RevocationResult } from '../types.js';
import { startLatchkey, type Running } from './processes.js';

const WAIT_MS = 5000;

type Call = { status: number; body: any };

async function call(node: Running, method: string, path: string, init: { token?: string; json?: unknown } = {}): Promise<Call> {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Runs `rounds` logouts across three nodes on `base` (a PostgreSQL URL) and returns the delays until the two other nodes refuse. */
export async function measureRevocation(base: string, rounds: number, redisUrl: string | null = null): Promise<RevocationResult> {
  const tag = randomBytes(4).toString('hex');
  const schema = `bench_rev_${tag}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  const nodes: Running[] = [];
  const delays: number[] = [];
  let missed = 0;
  try {
    const env = {
      DATABASE_URL: url.toString(),
      SESSION_CACHE: 'on',
      REFRESH_ROTATIONS_PER_MINUTE: '1000000',
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: `bench-rev-${tag}:` } : {}),
    };
    nodes.push(await startLatchkey(env));
    nodes.push(...(await Promise.all([startLatchkey(env), startLatchkey(env)])));
    const [first] = nodes as [Running];
    if ((await call(first, 'POST', '/api/v1/account/register', { json: { username: 'revoker', password: 'revoker-password-1' } })).status !== 200) throw new Error('register failed');
    for (let round = 0; round < rounds; round++) {
      const at = nodes[round % 3] as Running;
      const ender = nodes[(round + 1) % 3] as Running;
      const login = await call(at, 'POST', '/api/v1/account/login', { json: { username: 'revoker', password: 'revoker-password-1' } });
      const access = login.body.result.token.access as string;
      for (const node of nodes) for (let i = 0; i < 3; i++) if ((await call(node, 'GET', '/api/v1/account/me', { token: access })).status !== 200) throw new Error('warm-up refused');
      if ((await call(ender, 'DELETE', '/api/v1/account/logout', { token: access })).status !== 200) throw new Error('logout failed');
      const ended = performance.now();
      await Promise.all(
        nodes
          .filter((n) => n !== ender)
          .map(async (node) => {
            while (performance.now() - ended < WAIT_MS) {
              if ((await call(node, 'GET', '/api/v1/account/me', { token: access })).status === 401) return void delays.push(performance.now() - ended);
            }
            missed++;
          }),
      );
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  }
  const sorted = [...delays].sort((x, y) => x - y);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { channel: redisUrl ? 'redis' : 'listen-notify', rounds, refusals: delays.length, missed, p50Ms: at(0.5), p90Ms: at(0.9), maxMs: sorted[sorted.length - 1] ?? NaN, delaysMs: delays };
}

/** True when a Redis server answers PING at `url` within two seconds (ioredis, loaded only here). */
export async function redisReachable(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** One line for the console and the report. */
export const describeRevocation = (r: RevocationResult): string =>
  `${r.channel === 'redis' ? 'Redis pub/sub' : 'LISTEN/NOTIFY'}: ${r.rounds} logouts, refused on the other two nodes after p50 ${r.p50Ms.toFixed(1)} ms, p90 ${r.p90Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms (from the logout's answer; includes one polling request); not refused within ${WAIT_MS} ms: ${r.missed}`;
