/**
 * `node --import tsx bench/cpu-cost.ts <scenario>[,<scenario>...] [connections] [rounds]`: the
 * server's CPU time per answered request, on a fresh SQLite file (or BENCH_DATABASE_URL's
 * PostgreSQL, in a schema of its own), bare Fastify first for comparison. Counts the event
 * loop's own thread (the main thread: the one a session check or refresh waits on) and the
 * whole process (every thread: argon2id workers, libuv's pool) from /proc/<pid>/task/*\/stat,
 * and with BENCH_DATABASE_URL the PostgreSQL backends serving it too (found by the run's
 * `application_name` in pg_stat_activity: PostgreSQL shares the cores, so its CPU per request
 * counts, and other clients of the same server are left out), over a bounded load run (BENCH_SECONDS, default 4, after a 1 s warm-up) of the raw loader.
 *
 * A rate on a shared two-core machine moves with everything else that runs on it; CPU time per
 * request moves much less (another process takes CPU from the run, not CPU per request), so this
 * is what compares two versions of a hot path back to back. Figures are not kept or quoted as
 * rates; `npm run bench` remains the measurement. Loopback only; requires `npm run build`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { buildContext, ISSUER } from './lib/context.js';
import { runPickedLoad } from './lib/pick-load.js';
import { startBareFastify, startLatchkey, type Running } from './lib/processes.js';
import { PASSWORD, refreshChains, scenarioRequests, type ScenarioName } from './scenarios.js';

const [namesArg, connectionsArg, roundsArg] = process.argv.slice(2);
if (!namesArg) {
  process.stderr.write('usage: node --import tsx bench/cpu-cost.ts <scenario>[,<scenario>...] [connections] [rounds]\n');
  process.exit(2);
}
const names = namesArg.split(',') as ScenarioName[];
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

/** CPU of each PostgreSQL backend serving this run's server (its connections carry the schema as application_name), µs by pid. */
async function backendCpu(): Promise<Map<number, number>> {
  const cpu = new Map<number, number>();
  if (!pgBase) return cpu;
  const c = new pg.Client({ connectionString: pgBase });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [schema]);
    for (const { pid } of rows) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_US);
      } catch {
        // The backend ended between the query and the read.
      }
    }
  } finally {
    await c.end();
  }
  return cpu;
}

async function measure(server: Running, label: string, run: () => Promise<{ requests: number; ok?: number; rps: number }>): Promise<void> {
  const before = cpuOf(server.pid);
  const pgBefore = await backendCpu();
  const r = await run();
  const after = cpuOf(server.pid);
  const pgAfter = await backendCpu();
  // Backends opened during the run count from zero; one closed during it is missed (the pool keeps its connections while busy).
  let pgUs = 0;
  for (const [pid, us] of pgAfter) pgUs += us - (pgBefore.get(pid) ?? 0);
  // The warm-up second is inside the CPU window: count its requests too (the rate times the warm-up is close enough for a share).
  const answered = (r.ok ?? r.requests) * ((seconds + 1) / seconds);
  const perMain = (after.main - before.main) / answered;
  const perAll = (after.all - before.all) / answered;
  const perPg = pgBase ? `, its postgres backends ${(pgUs / answered).toFixed(1).padStart(6)} µs/request` : '';
  process.stdout.write(`${label.padEnd(28)} main thread ${perMain.toFixed(1).padStart(6)} µs/request, all threads ${perAll.toFixed(1).padStart(6)} µs/request${perPg} (${Math.round(r.rps)} req/s on a shared machine)\n`);
}

const passwordHash = await hash(PASSWORD, { algorithm: 2 as never, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 });
const pgBase = process.env.BENCH_DATABASE_URL;
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cpu-'));
const schema = `bench_${randomBytes(4).toString('hex')}`;
let dbUrl = `sqlite:${join(dir, 'bench.db')}`;
if (pgBase) {
  const url = new URL(pgBase);
  url.searchParams.set('schema', schema);
  url.searchParams.set('application_name', schema);
  dbUrl = url.toString();
}
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
  const server = await startLatchkey(env);
  try {
    for (let i = 0; i < rounds; i++) {
      for (const name of names) {
        await measure(server, `${name} x${connections}`, () =>
          runPickedLoad({ url: server.url, connections, seconds, requests: scenarioRequests(name, ctx), ...(name === 'refresh' ? { chain: refreshChains(ctx) } : {}) }),
        );
      }
    }
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (pgBase) {
    const c = new pg.Client({ connectionString: pgBase });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  }
}
