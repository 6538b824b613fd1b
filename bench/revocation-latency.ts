/**
 * Cross-node revocation latency on PostgreSQL: three Latchkey nodes (from dist/, SESSION_CACHE
 * on) on one schema; each round logs in on one node, has every node accept the access token
 * several times (so each has it cached), logs out on the next node, and measures from the logout's
 * answer until each of the other two nodes refuses the token (polled over keep-alive connections).
 * `npm run build && node --import tsx bench/revocation-latency.ts [rounds]` (20 by default;
 * BENCH_DATABASE_URL, or the local test database). Bounded: 5 s per wait. Writes
 * bench/results/partial-<UTC time>-revocation.json (ignored by git) and prints the figures.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { startLatchkey, type Running } from './lib/processes.js';

const rounds = Number(process.argv[2] ?? 20);
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_rev_${randomBytes(4).toString('hex')}`;
const url = new URL(base);
url.searchParams.set('schema', schema);
const WAIT_MS = 5000;

const call = async (node: Running, method: string, path: string, init: { token?: string; json?: unknown } = {}): Promise<{ status: number; body: any }> => {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

const nodes: Running[] = [];
const delays: number[] = [];
let missed = 0;
try {
  const env = { DATABASE_URL: url.toString(), SESSION_CACHE: 'on', REFRESH_ROTATIONS_PER_MINUTE: '1000000' };
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
const figures = { rounds, refusals: delays.length, missed, p50Ms: at(0.5), p90Ms: at(0.9), maxMs: sorted[sorted.length - 1] ?? NaN };
const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 13);
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/partial-${stamp}Z-revocation.json`;
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), ...figures, delaysMs: delays }, null, 2)}\n`);
console.log(
  `cross-node revocation, 3 nodes, ${rounds} logouts: refused on the other two nodes after p50 ${figures.p50Ms.toFixed(1)} ms, p90 ${figures.p90Ms.toFixed(1)} ms, max ${figures.maxMs.toFixed(1)} ms (from the logout's answer; includes one polling request); not refused within ${WAIT_MS} ms: ${missed}\n${file}`,
);
