/**
 * The loaders' own ceilings and the baselines under each, in one bounded run:
 * `node --import tsx bench/loader-ceiling.ts [seconds]` (3 s per run by default, 1 s warm-up).
 *
 * - null server (bench/null-server.mjs): answers without parsing; what a loader reaches against
 *   it is the most it can measure here.
 * - bare Fastify (bench/bare-server.mjs): the ceiling of any request to a Fastify server.
 * - bare Fastify + one primary-key SELECT through pg (bench/bare-pg-server.mjs; BARE_PG_URL, or
 *   the local test database): the ceiling of a database-checked request on PostgreSQL.
 *
 * Each at 10 and 50 connections with the raw loader (bench/lib/raw-load.ts) and with autocannon.
 * Writes bench/results/partial-<UTC time>-loader-ceiling.json (ignored by git) and prints a table.
 * The full run (bench/run.ts) measures the first of these into its results file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { bothLoaders } from './baselines.js';
import type { LoadResult } from './lib/load.js';
import { freePort, startProcess, type Running } from './lib/processes.js';

const seconds = Number(process.argv[2] ?? 3);
const CONNECTIONS = [10, 50];

async function server(script: string, env: Record<string, string> = {}): Promise<Running> {
  return startProcess([script], env, '/', await freePort());
}

const results: Record<string, Record<string, Record<number, LoadResult>>> = {};
for (const [name, script, env] of [
  ['null server', 'bench/null-server.mjs', {}],
  ['bare Fastify', 'bench/bare-server.mjs', {}],
  ['bare Fastify + pg primary-key SELECT', 'bench/bare-pg-server.mjs', process.env.BARE_PG_URL ? { BARE_PG_URL: process.env.BARE_PG_URL } : {}],
] as const) {
  let running: Running | null = null;
  try {
    running = await server(script, env);
    results[name] = await bothLoaders(running, CONNECTIONS, seconds);
  } catch (err) {
    process.stderr.write(`${name}: not measured (${(err as Error).message})\n`);
  } finally {
    await running?.stop();
  }
}

const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 13);
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/partial-${stamp}Z-loader-ceiling.json`;
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), seconds, results }, null, 2)}\n`);
const rate = (r: LoadResult | undefined): string => (r ? Math.round(r.rps).toLocaleString('en-US') : '—');
console.log('| target | raw x10 | raw x50 | autocannon x10 | autocannon x50 |\n|---|---|---|---|---|');
for (const [name, byLoader] of Object.entries(results)) {
  console.log(`| ${name} | ${rate(byLoader.raw?.[10])} | ${rate(byLoader.raw?.[50])} | ${rate(byLoader.autocannon?.[10])} | ${rate(byLoader.autocannon?.[50])} |`);
}
console.log(`\n${file}`);
