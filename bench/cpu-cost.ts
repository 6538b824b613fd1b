/**
 * `node --import tsx bench/cpu-cost.ts <scenario>[,<scenario>...] [connections] [rounds]`: the
 * server's CPU time per answered request (and the loader's own, in this process), on a fresh SQLite file (or BENCH_DATABASE_URL's
 * PostgreSQL, in a schema of its own), bare Fastify first for comparison. Counts the event
 * loop's own thread (the main thread: the one a session check or refresh waits on) and the
 * whole process (every thread: argon2id workers, libuv's pool) from /proc/<pid>/task/*\/stat,
 * over a bounded load run (BENCH_SECONDS, default 4, after a 1 s warm-up) of the raw loader;
 * BENCH_LAST_USED=<seconds> moves the seeded sessions' last use that far back first.
 * On PostgreSQL it also counts the CPU of the server's own database backends (`postgres` CPU per
 * request: the backends whose client port is one of the server's sockets, from
 * pg_stat_activity and /proc), which share the two cores with the hash workers.
 *
 * A rate on a shared two-core machine moves with everything else that runs on it; CPU time per
 * request moves much less (another process takes CPU from the run, not CPU per request), so this
 * is what compares two versions of a hot path back to back. Figures are not kept or quoted as
 * rates; `npm run bench` remains the measurement. Loopback only; requires `npm run build`.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { buildContext, ISSUER } from './lib/context.js';
import { moveSessionsLastUse } from './lib/seed.js';
import { benchDatabase } from './lib/database-url.js';
import { runPickedLoad } from './lib/pick-load.js';
import { startBareFastify, startLatchkey, type Running } from './lib/processes.js';
import { BASELINE_OF, isScenarioName, PASSWORD, scenarioTraffic } from './scenarios.js';

const [namesArg, connectionsArg, roundsArg] = process.argv.slice(2);
const names = (namesArg ?? '').split(',');
if (!names.every(isScenarioName)) {
  // Bare Fastify is always measured first: it is not a scenario to name.
  process.stderr.write(`usage: node --import tsx bench/cpu-cost.ts <scenario>[,<scenario>...] [connections] [rounds]\nscenarios: ${Object.keys(BASELINE_OF).join(', ')}\n`);
  process.exit(2);
}
const connections = Number(connectionsArg ?? 10);
const rounds = Number(roundsArg ?? 1);
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

/** CPU seconds (user + system) of the main thread and of every thread of `pid`, in µs. */
function cpuOf(pid: number): { main: number; all: number } {
  let all = 0;
  let main = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    // Fields after the command (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const us = (Number(fields[11]) + Number(fields[12])) * TICK_US;
    all += us;
    if (tid === String(pid)) main = us;
  }
  return { main, all };
}

/** Local TCP ports of `pid`'s sockets (its connections to PostgreSQL among them). */
function localPorts(pid: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && inodes.has(cols[9] as string)) ports.add(parseInt((cols[1] as string).split(':')[1] as string, 16));
    }
  }
  return ports;
}

/** CPU µs of each PostgreSQL backend serving `pid` (none without BENCH_DATABASE_URL). */
async function backendCpu(pid: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!pgAdmin) return out;
  const ports = localPorts(pid);
  const { rows } = await pgAdmin.query<{ pid: number; client_port: number | null }>('select pid, client_port from pg_stat_activity where client_port is not null');
  for (const row of rows) {
    if (row.client_port === null || !ports.has(row.client_port)) continue;
    try {
      const stat = readFileSync(`/proc/${row.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(row.pid, (Number(fields[11]) + Number(fields[12])) * TICK_US);
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

async function measure(server: Running, label: string, run: () => Promise<{ requests: number; ok?: number; rps: number; errors?: number; non2xx?: number }>): Promise<void> {
  const pgBefore = await backendCpu(server.pid);
  const before = cpuOf(server.pid);
  const loaderBefore = process.cpuUsage();
  const r = await run();
  const loader = process.cpuUsage(loaderBefore);
  const after = cpuOf(server.pid);
  const pgAfter = await backendCpu(server.pid);
  let pgUs = 0;
  for (const [p, us] of pgAfter) pgUs += us - (pgBefore.get(p) ?? 0);
  // The warm-up second is inside the CPU window: count its requests too (the rate times the warm-up is close enough for a share).
  const answered = (r.ok ?? r.requests) * ((seconds + 1) / seconds);
  const perMain = (after.main - before.main) / answered;
  const perAll = (after.all - before.all) / answered;
  const pgPart = pgAdmin ? `, postgres ${(pgUs / answered).toFixed(1).padStart(6)} µs/request` : '';
  const loaderPart = `, loader ${((loader.user + loader.system) / answered).toFixed(1).padStart(6)} µs/request`;
  process.stdout.write(`${label.padEnd(28)} main thread ${perMain.toFixed(1).padStart(6)} µs/request, all threads ${perAll.toFixed(1).padStart(6)} µs/request${pgPart}${loaderPart} (${Math.round(r.rps)} req/s on a shared machine${r.errors || r.non2xx ? `; ${r.errors ?? 0} errors or timeouts, ${r.non2xx ?? 0} other statuses: their work is charged to the answered requests` : ''})\n`);
}

const passwordHash = await hash(PASSWORD, { algorithm: 2 as never, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 });
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cpu-'));
const database = benchDatabase(dir);
const dbUrl = database.url;
const pgAdmin = database.pgBase ? new pg.Client({ connectionString: database.pgBase }) : null;
await pgAdmin?.connect();
const env = { DATABASE_URL: dbUrl, JWT_ISSUER: ISSUER };
try {
  const bare = await startBareFastify();
  try {
    for (let i = 0; i < rounds; i++) await measure(bare, 'bare Fastify', () => runPickedLoad({ url: bare.url, connections, seconds, requests: [{ path: '/' }] }));
  } finally {
    await bare.stop();
  }
  const migrate = await startLatchkey(env);
  await migrate.stop();
  const ctx = await buildContext(dbUrl, passwordHash, 1000);
  // BENCH_LAST_USED=<seconds>: the seeded sessions were last used that long ago, so the first
  // check of each is due to write its last-seen time (more than a minute: touchSession).
  const lastUsed = Number(process.env.BENCH_LAST_USED ?? 0) * 1000;
  if (lastUsed > 0) await moveSessionsLastUse(dbUrl, lastUsed);
  const server = await startLatchkey(env);
  try {
    // What the server spends with no request at all (timers, the session cache's heartbeats): at
    // a low rate it is a visible share of the CPU per request, so it is printed to judge that by.
    const idleBefore = cpuOf(server.pid);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleAfter = cpuOf(server.pid);
    process.stdout.write(`${'idle server'.padEnd(28)} main thread ${((idleAfter.main - idleBefore.main) / 3).toFixed(0).padStart(6)} µs/s, all threads ${((idleAfter.all - idleBefore.all) / 3).toFixed(0).padStart(6)} µs/s\n`);
    for (let i = 0; i < rounds; i++) {
      for (const name of names) {
        await measure(server, `${name} x${connections}`, () =>
          runPickedLoad({ url: server.url, connections, seconds, ...scenarioTraffic(name, ctx) }),
        );
      }
    }
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await pgAdmin?.end();
  await database.drop();
}
