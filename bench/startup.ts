/**
 * Start-up to first answer: how long `latchkey serve` (the built dist/, as `npm start` runs it)
 * takes from process spawn to its first 200 on /healthz, with SQLite. The first run creates and
 * migrates a new database; the others start on the migrated one, as a restart does. Goal: under
 * 1 s (docs/benchmarks.md, "Start-up"); a bare Fastify server started the same way gives the
 * machine's floor at that moment (a loaded machine slows both). Run with `npm run bench:startup` (RUNS=n, default 7).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/free-port.js';

const RUNS = Math.min(Math.max(Number(process.env.RUNS ?? 7), 2), 30);
const TIMEOUT_MS = 60_000;

/** Spawns the server, polls /healthz every 5 ms, stops it; resolves to milliseconds until the first 200. */
async function measureOnce(databaseUrl: string, command: string[] = ['bin/latchkey.js', 'serve'], path = '/healthz'): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, command, {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (performance.now() - started < TIMEOUT_MS) {
      const answer = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => null);
      if (answer?.status === 200) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no answer within ${TIMEOUT_MS} ms`);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run npm run build first');
const dir = mkdtempSync(join(tmpdir(), 'latchkey-startup-'));
try {
  const url = `sqlite:${join(dir, 'startup.db')}`;
  const fresh = await measureOnce(url);
  const restarts: number[] = [];
  for (let i = 1; i < RUNS; i++) restarts.push(await measureOnce(url));
  // The same machine's floor at this moment: a bare Fastify server (bench/bare-server.mjs), no database.
  const bare = await measureOnce(url, ['bench/bare-server.mjs'], '/');
  const sorted = [...restarts].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const report = {
    scenario: 'startup',
    node: process.version,
    cores: cpus().length,
    loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
    freshDatabaseMs: Math.round(fresh),
    restartMs: { median: Math.round(median), min: Math.round(sorted[0] as number), max: Math.round(sorted.at(-1) as number), runs: restarts.length },
    bareFastifyMs: Math.round(bare),
    goalMs: 1000,
    met: median < 1000,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
