/**
 * `npm run bench:profile -- <scenario> [connections]`: one scenario against Latchkey on a fresh
 * SQLite file (or BENCH_DATABASE_URL's PostgreSQL, in a schema of its own, dropped after) under
 * `node --cpu-prof`, after a bare-Fastify run of the same length for the ratio.
 * Prints both rates and where the server's CPU time went (self time by package or file, then by
 * function); the .cpuprofile stays in the printed folder for a flame graph (Chrome DevTools,
 * speedscope). BENCH_SECONDS sets the run length (default 4). Loopback only.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from '@node-rs/argon2';
import { bareFastify } from './baselines.js';
import { buildContext, ISSUER } from './lib/context.js';
import { benchDatabase } from './lib/database-url.js';
import { selfTimes } from './lib/cpu-profile.js';
import { runPickedLoad } from './lib/pick-load.js';
import { startLatchkey } from './lib/processes.js';
import { BASELINE_OF, isScenarioName, PASSWORD, scenarioTraffic } from './scenarios.js';

const [name, connectionsArg] = process.argv.slice(2);
if (!name || !isScenarioName(name)) {
  process.stderr.write(`usage: npm run bench:profile -- <${Object.keys(BASELINE_OF).join('|')}> [connections]\n`);
  process.exit(2);
}
const connections = Number(connectionsArg ?? 10);
const seconds = Number(process.env.BENCH_SECONDS ?? 4);

const dir = mkdtempSync(join(tmpdir(), 'latchkey-profile-'));
const database = benchDatabase(dir);
const dbUrl = database.url;
const env = { DATABASE_URL: dbUrl, JWT_ISSUER: ISSUER };
const migrate = await startLatchkey(env);
await migrate.stop();
const passwordHash = await hash(PASSWORD, { algorithm: 2 as never, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 });
const ctx = await buildContext(dbUrl, passwordHash, 1000);

const bare = (await bareFastify([connections], seconds))[connections]!;
const spawned = performance.now();
const server = await startLatchkey(env, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
// Start-up (module loading) is left out of the summary; the warm-up second is kept.
const startupMs = performance.now() - spawned;
let result;
try {
  result = await runPickedLoad({ url: server.url, connections, seconds, ...scenarioTraffic(name, ctx) });
} finally {
  await server.stop();
  await database.drop();
}
const ratio = result.rps / bare.rps;
process.stdout.write(`${name} x${connections}: ${result.rps.toFixed(0)} req/s (non-2xx ${result.non2xx}, errors ${result.errors}); bare Fastify ${bare.rps.toFixed(0)} req/s; ratio ${ratio.toFixed(2)} (under the profiler)\n`);
const profile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!profile) throw new Error(`no .cpuprofile written in ${dir}`);
const show = (rows: ReturnType<typeof selfTimes>): string => rows.map((r) => `${r.ms.toFixed(0).padStart(7)} ms ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.name}`).join('\n');
process.stdout.write(`\n(the first ${startupMs.toFixed(0)} ms, start-up, left out)\nself time by package or file:\n${show(selfTimes(join(dir, profile), 'place', 25, startupMs))}\n`);
process.stdout.write(`\nself time by function:\n${show(selfTimes(join(dir, profile), 'function', 30, startupMs))}\n\nprofile: ${join(dir, profile)}\n`);
