#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner (TypeScript through tsx).
// `npm test -- path/to/file.test.ts` runs only the files given.
// With TEST_DATABASE_URL set, the whole suite runs against that PostgreSQL server.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

// Long files (real processes, real outages, timing samples) start first, so the two slots stay
// busy to the end instead of one long file running alone at the finish.
const SLOW = [/faults\//, /multinode\//, /cli/, /outbox-cli/, /sec-enumeration-timing/, /sec-60-fuzz/, /browser\//, /sec-65/];
const slowness = (file) => {
  const i = SLOW.findIndex((re) => re.test(file));
  return i === -1 ? SLOW.length : i;
};
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : findTests('test').sort((a, b) => slowness(a) - slowness(b) || a.localeCompare(b));
if (process.env.TEST_DATABASE_URL) {
  console.log(`database: PostgreSQL (${process.env.TEST_DATABASE_URL.replace(/\/\/[^@/]*@/, '//')}), one schema per test instance`);
} else {
  console.log('database: SQLite in memory; PostgreSQL suite skipped (set TEST_DATABASE_URL to run it)');
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);
