/**
 * `npm run bench`: measures Latchkey against its two physical limits (bare argon2id, bare
 * Fastify) in one run, on SQLite and on PostgreSQL, writes bench/results/<UTC time>-<commit>.json
 * (a new file each run, never overwritten; the commit measured, the loader and the machine inside)
 * and regenerates docs/benchmarks.md from it. Loopback only; every load run is bounded in time.
 * Environment: BENCH_SECONDS (per run, default 4), BENCH_DATABASE_URL (PostgreSQL base URL,
 * default postgres://postgres@127.0.0.1:5432/test; "off" skips it), BENCH_GROWTH (accounts for
 * the growth test, default 1000000), BENCH_REDIS_URL (the Redis of the revocation run's second
 * channel, default redis://127.0.0.1:6379; "off" skips it), BENCH_ONLY (a comma-separated list of
 * scenarios and of storm, growth, oidc_code_exchange, revocation, ceiling, bare_post: a partial run for profiling; it writes bench/results/partial-<UTC time>-<commit>.json,
 * ignored by git, and leaves every full run's file and docs/benchmarks.md alone).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { argon2Rate, bareFastify, barePgSelect, JSON_POST, loadBareFastify, loaderCeiling } from './baselines.js';
import { LOADER, WARMUP_SECONDS, type LoadResult } from './lib/load.js';
import { startBareFastify, startLatchkey, type Running } from './lib/processes.js';
import { buildContext, ISSUER } from './lib/context.js';
import { commitInfo, machineInfo, resultsName, writeNewResults } from './lib/provenance.js';
import { seedAccounts, seedSessions, signAccessTokens } from './lib/seed.js';
import { writeReport } from './report.js';
import { BASELINE_OF, OIDC_SCENARIO, PASSWORD, scenarioTraffic, type BenchContext, type ScenarioName } from './scenarios.js';
import { runPickedLoad } from './lib/pick-load.js';
import { measureOidcCodeExchange } from './lib/oidc-scenario.js';
import { RAW_LOADER } from './lib/raw-load.js';
import { describeRevocation, measureRevocation, redisReachable } from './lib/revocation.js';
import type { BenchResults, BestOf, DatabaseResults, RevocationResult, ScenarioResult } from './types.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = [10, 50];
const GROWTH = Number(process.env.BENCH_GROWTH ?? 1_000_000);
const GROWTH_ROUNDS = 3;
const BASE_ACCOUNTS = 1000;
const SCENARIOS: ScenarioName[] = [
  'register',
  'login_jwt',
  'login_cookie',
  'login_basic',
  'me_bearer',
  'check_login_cookie',
  'check_login_cookie_no_body',
  'refresh',
  'logout',
  'mixed',
];

const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
const wanted = (part: string): boolean => ONLY === null || ONLY.has(part);

const BARE = 'bare';

async function adjacentBaseline(kind: 'argon2' | 'fastify' | 'none', bare: Running, connections: number): Promise<number | undefined> {
  if (kind === 'argon2') return argon2Rate(connections, SECONDS);
  if (kind === 'fastify') return (await loadBareFastify(bare, connections, SECONDS)).rps;
  return undefined;
}

// Every server the bench starts, so that a failed run never leaves one behind.
const running = new Set<Running>();
async function start(env: Record<string, string> | typeof BARE): Promise<Running> {
  const server = env === BARE ? await startBareFastify() : await startLatchkey(env);
  running.add(server);
  const stop = server.stop;
  server.stop = async () => {
    running.delete(server);
    await stop();
  };
  return server;
}

/** One scenario's load run, counting only the answers of its expected status. */
function scenarioLoad(server: Running, name: ScenarioName, ctx: BenchContext, connections: number, seconds = SECONDS): Promise<LoadResult> {
  return runPickedLoad({ url: server.url, connections, seconds, ...scenarioTraffic(name, ctx) });
}

/** Answers of another status and errors, for the console. */
const wrong = (r: LoadResult): string => `errors ${r.errors} other status ${r.requests - (r.ok ?? r.requests)}${r.statusCodes ? ` (${JSON.stringify(r.statusCodes)})` : ''}`;

const log = (msg: string): void => void process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

async function postgresReachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function probe(server: Running, name: ScenarioName): Promise<boolean> {
  const paths: Partial<Record<ScenarioName, [string, string]>> = {
    login_cookie: ['POST', '/accounts/action/?do=login'],
    check_login_cookie: ['POST', '/accounts/action/?do=check_login'],
    check_login_cookie_no_body: ['POST', '/accounts/action/?do=check_login'],
    login_basic: ['GET', '/api/'],
  };
  const p = paths[name];
  if (!p) return true;
  const res = await fetch(`${server.url}${p[1]}`, { method: p[0], headers: { 'content-type': 'application/json' }, ...(p[0] === 'POST' ? { body: '{}' } : {}) });
  return res.status !== 404;
}


/** The scenarios measured against bare argon2id: the ones warmUp sends, each for LOGIN_WARMUP_SECONDS at 10 connections. */
const LOGIN_SCENARIOS = SCENARIOS.filter((name) => BASELINE_OF[name] === 'argon2');
const LOGIN_WARMUP_SECONDS = 4;

/**
 * Brings the server's login paths to V8's optimised code before anything is measured, as a
 * server that has run for a while has them: V8 was still optimising functions of the login path
 * after 1,500 logins (bench/findings.md, "Round of 2026-12-07, late morning"), while the one
 * second of warm-up each scenario has is a few hundred logins, against tens of thousands of
 * session checks. Not counted anywhere but in `warmup` of the results.
 */
async function warmUp(label: string, server: Running, ctx: BenchContext): Promise<{ answers: number; seconds: number }> {
  const started = performance.now();
  let answers = 0;
  for (const name of LOGIN_SCENARIOS) {
    if (await probe(server, name)) answers += (await scenarioLoad(server, name, ctx, 10, LOGIN_WARMUP_SECONDS)).requests;
  }
  const seconds = (performance.now() - started) / 1000;
  log(`${label}: warm-up: ${answers} logins and registrations in ${seconds.toFixed(0)} s, not counted`);
  return { answers, seconds };
}

async function measureDatabase(label: string, dbUrl: string, passwordHash: string, postgresBase: string | null = null): Promise<DatabaseResults> {
  const env = { DATABASE_URL: dbUrl, JWT_ISSUER: ISSUER };
  log(`${label}: cold start (migrations)`);
  let server = await start(env);
  const startupColdMs = server.startupMs;
  await server.stop();
  server = await start(env);
  const startupWarmMs = server.startupMs;
  log(`${label}: start-up cold ${startupColdMs.toFixed(0)} ms, warm ${startupWarmMs.toFixed(0)} ms; seeding`);
  const ctx = await buildContext(dbUrl, passwordHash, BASE_ACCOUNTS);
  const results: DatabaseResults = {
    startupColdMs,
    startupWarmMs,
    scenarios: {},
    skipped: [],
    storm: { aloneRps: 0, duringRps: 0, loginRps: 0 },
    growth: null,
    mixedPeakRssMiB: 0,
  };
  if (LOGIN_SCENARIOS.some(wanted)) results.warmup = await warmUp(label, server, ctx);

  // Each scenario's baseline is measured again right before it (a bare Fastify server kept
  // running beside Latchkey, or bare argon2id), so drift on a shared machine does not skew ratios.
  const bare = await start(BARE);
  for (const name of SCENARIOS.filter((s) => s !== 'mixed' && wanted(s))) {
    if (!(await probe(server, name))) {
      results.skipped.push(name);
      log(`${label}: ${name} skipped (route not served)`);
      continue;
    }
    for (const c of CONNECTIONS) {
      const baseline = await adjacentBaseline(BASELINE_OF[name], bare, c);
      const r: ScenarioResult = { ...(await scenarioLoad(server, name, ctx, c)), baseline };
      (results.scenarios[name] ??= {})[c] = r;
      // The report divides by the median of all baseline samples; this line shows the one just taken.
      const vs = baseline === undefined ? '' : ` (${(r.rps / baseline).toFixed(2)}x the baseline sample just before, ${baseline.toFixed(baseline < 100 ? 1 : 0)})`;
      log(`${label}: ${name} x${c}: ${r.rps.toFixed(0)} correct answers/s p50 ${r.p50} ms p99 ${r.p99} ms ${wrong(r)}${vs}`);
    }
  }
  await bare.stop();

  if (wanted('storm')) await measureStorm(label, server, ctx, results);
  if (wanted('mixed')) {
    await server.stop();
    server = await start(env);
    await measureMixed(label, server, ctx, results);
  }
  if (GROWTH > BASE_ACCOUNTS && wanted('growth')) await measureGrowth(label, dbUrl, passwordHash, server, ctx, results);
  await server.stop();
  if (wanted(OIDC_SCENARIO)) await measureOidc(label, results, postgresBase);
  return results;
}

const REVOCATION_ROUNDS = 20;

/** Cross-node revocation on three PostgreSQL nodes, through LISTEN/NOTIFY, then Redis pub/sub when Redis answers. */
async function revocation(pgBase: string): Promise<RevocationResult[]> {
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const out = [await measureRevocation(pgBase, REVOCATION_ROUNDS)];
  if (redisUrl !== 'off' && (await redisReachable(redisUrl))) out.push(await measureRevocation(pgBase, REVOCATION_ROUNDS, redisUrl));
  else log('postgres: revocation through Redis pub/sub not measured (no Redis)');
  for (const r of out) log(`postgres: cross-node revocation, ${describeRevocation(r)}`);
  return out;
}

/** The oidc_code_exchange scenario, after the server of the other scenarios stopped (it runs its own Latchkey). */
async function measureOidc(label: string, results: DatabaseResults, postgresBase: string | null): Promise<void> {
  log(`${label}: ${OIDC_SCENARIO} (openid-client, 10 in flight)`);
  try {
    const r = await measureOidcCodeExchange(postgresBase, { codes: 300, maxSeconds: Math.max(10, SECONDS * 5), timeoutMs: 300_000 });
    results.oidc = r;
    log(`${label}: ${OIDC_SCENARIO}: ${r.codeExchangePerS.toFixed(1)} exchanges/s, ${r.ratioToLogin.toFixed(2)}x the JWT login rate (${r.loginPerS.toFixed(1)}/s)`);
  } catch (err) {
    results.skipped.push(OIDC_SCENARIO);
    log(`${label}: ${OIDC_SCENARIO} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

async function measureStorm(label: string, server: Running, ctx: BenchContext, results: DatabaseResults): Promise<void> {
  log(`${label}: session checks alone, then during a 50-connection login storm`);
  const alone = await scenarioLoad(server, 'me_bearer', ctx, 10);
  const [during, storm] = await Promise.all([scenarioLoad(server, 'me_bearer', ctx, 10), scenarioLoad(server, 'login_jwt', ctx, 50)]);
  results.storm = { aloneRps: alone.rps, duringRps: during.rps, loginRps: storm.rps, runs: { alone, during, logins: storm } };
  log(`${label}: storm: alone ${alone.rps.toFixed(0)}, during ${during.rps.toFixed(0)} req/s (logins ${storm.rps.toFixed(0)}/s); ${wrong(alone)}; ${wrong(during)}; ${wrong(storm)}`);
}

async function measureMixed(label: string, server: Running, ctx: BenchContext, results: DatabaseResults): Promise<void> {
  for (const c of CONNECTIONS) {
    const r = await scenarioLoad(server, 'mixed', ctx, c);
    (results.scenarios.mixed ??= {})[c] = r;
    log(`${label}: mixed x${c}: ${r.rps.toFixed(0)} correct answers/s p50 ${r.p50} ms p99 ${r.p99} ms ${wrong(r)}`);
  }
  results.mixedPeakRssMiB = server.peakRssMiB();
  log(`${label}: peak RSS in the mixed workload ${results.mixedPeakRssMiB.toFixed(0)} MiB`);
}

async function measureGrowth(label: string, dbUrl: string, passwordHash: string, server: Running, ctx: BenchContext, results: DatabaseResults): Promise<void> {
  // The 1,000-account figures are measured again here, the same way as the 1,000,000 ones after
  // seeding: the best of three short runs each, since interference on a shared machine only ever
  // slows a run down (the scenario figures from minutes earlier swung the ratio by ±0.2).
  const me1k = await bestOf(GROWTH_ROUNDS, server, 'me_bearer', ctx);
  const login1k = await bestOf(GROWTH_ROUNDS, server, 'login_jwt', ctx);
  log(`${label}: at ${BASE_ACCOUNTS}: me ${me1k.best.toFixed(0)} req/s, login ${login1k.best.toFixed(1)} req/s (best of ${GROWTH_ROUNDS})`);
  log(`${label}: growing to ${GROWTH} accounts and sessions`);
  const t0 = performance.now();
  const now = Date.now();
  await seedAccounts(dbUrl, BASE_ACCOUNTS, GROWTH, passwordHash, now);
  // Session numbers above every range used so far; session i belongs to account i mod GROWTH.
  const offset = 10 * GROWTH;
  await seedSessions(dbUrl, 'token', offset, offset + GROWTH, now, GROWTH);
  const seedSeconds = (performance.now() - t0) / 1000;
  const sample = Array.from({ length: 1000 }, () => offset + Math.floor(Math.random() * GROWTH));
  const big: BenchContext = { ...ctx, accounts: GROWTH, accessTokens: await signAccessTokens(dbUrl, ISSUER, sample, now, GROWTH) };
  const bare = await start(BARE);
  const meBaseline = await adjacentBaseline('fastify', bare, 10);
  await bare.stop();
  const me = await bestOf(GROWTH_ROUNDS, server, 'me_bearer', big);
  const loginBaseline = await argon2Rate(10, SECONDS);
  const login = await bestOf(GROWTH_ROUNDS, server, 'login_jwt', big);
  results.growth = {
    accounts: GROWTH,
    meRps: me.best,
    loginRps: login.best,
    me1kRps: me1k.best,
    login1kRps: login1k.best,
    rounds: GROWTH_ROUNDS,
    runs: { me1k, login1k, me, login },
    seedSeconds,
    meBaseline,
    loginBaseline,
  };
  log(`${label}: at ${GROWTH}: me ${me.best.toFixed(0)} req/s, login ${login.best.toFixed(1)} req/s (best of ${GROWTH_ROUNDS}; seeded in ${seedSeconds.toFixed(0)} s)`);
}

/** The highest correct-answer rate of `rounds` runs of half the usual length of one scenario at 10 connections, with every run's rate. */
async function bestOf(rounds: number, server: Running, scenario: 'me_bearer' | 'login_jwt', ctx: BenchContext): Promise<BestOf> {
  const out: BestOf = { best: 0, samples: [], unexpected: 0, errors: 0 };
  for (let i = 0; i < rounds; i++) {
    const run = await scenarioLoad(server, scenario, ctx, 10, Math.max(1, SECONDS / 2));
    out.samples.push(run.rps);
    out.best = Math.max(out.best, run.rps);
    out.unexpected += run.requests - (run.ok ?? run.requests);
    out.errors += run.errors;
  }
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  const results: BenchResults = {
    format: 2,
    date: new Date().toISOString(),
    commit: commitInfo(),
    // Which loader ran each scenario is in its result (`loader`); bench/lib/pick-load.ts says why.
    loader: {
      name: process.env.BENCH_LOADER === 'autocannon' ? LOADER.name : `raw-net ${RAW_LOADER.version} (fixed requests, chains for logins, refresh, register and logout, bare Fastify) and ${LOADER.name} (the mixed workload)`,
      version: LOADER.version,
      connections: CONNECTIONS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
    },
    ...(ONLY !== null ? { only: [...ONLY] } : {}),
    seconds: SECONDS,
    machine: machineInfo(),
    baselines: { argon2: {}, fastify: {} },
    databases: {},
  };
  log('baseline: bare argon2id');
  for (const c of CONNECTIONS) {
    results.baselines.argon2[c] = await argon2Rate(c, SECONDS);
    log(`baseline: argon2id x${c}: ${results.baselines.argon2[c]!.toFixed(1)} hashes/s`);
  }
  results.baselines.fastify = await bareFastify(CONNECTIONS, SECONDS);
  for (const c of CONNECTIONS) log(`baseline: bare Fastify x${c}: ${results.baselines.fastify[c]!.rps.toFixed(0)} req/s`);
  if (wanted('bare_post')) {
    results.fastifyJsonPost = await bareFastify(CONNECTIONS, SECONDS, JSON_POST);
    for (const c of CONNECTIONS) log(`bare Fastify, POST with the JSON body {} x${c}: ${results.fastifyJsonPost[c]!.rps.toFixed(0)} req/s`);
  }
  if (wanted('ceiling')) {
    results.loaderCeiling = await loaderCeiling(CONNECTIONS, SECONDS);
    for (const c of CONNECTIONS) log(`loader ceiling x${c}: raw-net ${results.loaderCeiling.raw[c]!.rps.toFixed(0)} req/s, autocannon ${results.loaderCeiling.autocannon[c]!.rps.toFixed(0)} req/s`);
  }

  const passwordHash = await hash(PASSWORD, { algorithm: 2 as never, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 });
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  try {
    results.databases.sqlite = await measureDatabase('sqlite', `sqlite:${join(dir, 'bench.db')}`, passwordHash);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const pgBase = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (pgBase !== 'off' && (await postgresReachable(pgBase))) {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const url = new URL(pgBase);
    url.searchParams.set('schema', schema);
    try {
      log('baseline: bare Fastify + one primary-key SELECT through pg');
      const pgSelectBaseline = await barePgSelect(pgBase, CONNECTIONS, SECONDS);
      for (const c of CONNECTIONS) log(`baseline: bare Fastify + pg SELECT x${c}: ${pgSelectBaseline[c]!.rps.toFixed(0)} req/s`);
      results.databases.postgres = { ...(await measureDatabase('postgres', url.toString(), passwordHash, pgBase)), pgSelectBaseline };
      if (wanted('revocation')) results.databases.postgres.revocation = await revocation(pgBase);
    } finally {
      const c = new pg.Client({ connectionString: pgBase });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  } else {
    log('postgres: not reachable, skipped');
  }

  // A new file per run, named by its start (UTC) and the commit measured, never over another.
  const name = resultsName(results.date, results.commit!);
  if (ONLY !== null) {
    const partial = writeNewResults(name, results, 'partial-');
    log(`partial run (BENCH_ONLY): wrote ${partial} only`);
    return;
  }
  const file = writeNewResults(name, results);
  writeReport(results, file);
  log(`wrote ${file}, docs/benchmarks.md and docs/benchmarks.svg in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

try {
  await main();
} finally {
  await Promise.all([...running].map((server) => server.stop()));
}
