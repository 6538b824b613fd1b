#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner (TypeScript through tsx).
// `npm test -- path/to/file.test.ts` runs only the files given; `--list` prints the files and stops.
// With TEST_DATABASE_URL set, the whole suite runs against that PostgreSQL server.
//
// Timeouts: every test and hook gets TEST_TIMEOUT_MS (default 180 s) unless it or its describe
// block sets its own (scripts/test-timeouts.mjs), and every file TEST_FILE_TIMEOUT_MS (default
// 25 min) as a backstop, so a hang fails with the test's name instead of stopping the run.
// The reporter (scripts/test-reporter.mjs) prints Node's spec output, then every skipped test and
// describe block by reason, and records which tests ran; the security checklist coverage test
// runs last and counts only tests that ran (in this run, or in the earlier runs recorded in
// TEST_RECORD_DIR: .ci/run keeps the SQLite pass's record for its PostgreSQL pass).
// TEST_STORAGE_ONLY=1 (.ci/run sets it for the PostgreSQL pass) leaves out, by name and with the
// reason, the files whose behaviour does not depend on the database; the SQLite pass ran them.
// docs/decisions.md ("The test runner").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';

const COVERAGE = 'test/security/checklist-coverage.test.ts';

/**
 * Files the PostgreSQL pass of CI leaves out (TEST_STORAGE_ONLY=1): what they test is the same on
 * every database. A file listed here that starts using the database is refused (see below).
 */
const STORAGE_INDEPENDENT = [
  { pattern: /^test\/unit\/(argon2-thread-pool|bench-report|cli|config|free-port|json-body|password-policy|redis-config|secrets|startup-summary)\.test\.ts$/, reason: 'unit test without a database' },
  { pattern: /^test\/unit\/statement-batch\.test\.ts$/, reason: 'batching over a fake statement and an error classifier of src/store, no database', usesDatabase: true },
  { pattern: /^test\/unit\/(audit-id|migrate-retry)\.test\.ts$/, reason: 'pure functions of src/store, no database', usesDatabase: true },
  { pattern: /^test\/unit\/cli-everyday\.test\.ts$/, reason: 'the command line against SQLite files of its own, whatever the suite\'s database', usesDatabase: true },
  { pattern: /^test\/http\/unexpected-errors\.test\.ts$/, reason: 'a stub service that simulates database errors, no database', usesDatabase: true },
  { pattern: /^test\/security\/sec-61-transport-limits\.test\.ts$/, reason: 'always runs on a SQLite file (HTTP transport limits)', usesDatabase: true },
  { pattern: /^test\/basic\/parsing\.test\.ts$/, reason: 'parsing only, no database' },
  { pattern: /^test\/core\/session-lookup-flights\.test\.ts$/, reason: 'the core over a fake session store and the in-memory cache, no database', usesDatabase: true },
  { pattern: /^test\/core\/session-touch-shared\.test\.ts$/, reason: 'the core over a fake session store, no database' },
  { pattern: /^test\/cookie\/cookie-config\.test\.ts$/, reason: 'configuration only, no database' },
  { pattern: /^test\/mail\/(config|templates)\.test\.ts$/, reason: 'mail configuration and templates, no database' },
  { pattern: /^test\/pages\/html\.test\.ts$/, reason: 'HTML rendering, no database' },
  { pattern: /^test\/ui\//, reason: 'catalogues, language choice and templates, no database' },
  { pattern: /^test\/unit\/brand-config\.test\.ts$/, reason: 'brand settings, no database' },
  { pattern: /^test\/deploy\/systemd-unit\.test\.ts$/, reason: 'systemd-analyze on the shipped unit file, no database' },
  { pattern: /^test\/ops\/built-server\.test\.ts$/, reason: 'the built dist/ on a SQLite file of its own, whatever the suite\'s database' },
  // `usesDatabase`: the file mentions or opens a database, but what it tests does not change with it.
  { pattern: /^test\/http\/openapi\.test\.ts$/, reason: 'the OpenAPI document and the /docs page do not depend on the database', usesDatabase: true },
  { pattern: /^test\/browser\//, reason: 'the browser journey tests page behaviour, the same on every database', usesDatabase: true },
];
/** Signs that a file reaches the database; an omitted file without a declared reason must have none. */
const USES_DATABASE = /support\/(database|pg-cluster)|multinode\/cluster|TEST_DATABASE_URL|openDatabase|src\/store/;

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
// `--list`: print the files this run would test, in order, and stop.
// Other `--` options (`--test-name-pattern=SEC-18`) go to node's test runner as they are.
const args = process.argv.slice(2);
const listOnly = args.includes('--list');
const nodeOptions = args.filter((a) => a.startsWith('--') && a !== '--list');
const explicit = args.filter((a) => !a.startsWith('--')).map((f) => normalize(f));
const everything = findTests('test').sort((a, b) => slowness(a) - slowness(b) || a.localeCompare(b));
let files = explicit.length ? explicit : everything;
const postgres = Boolean(process.env.TEST_DATABASE_URL);
if (postgres) {
  console.log(`database: PostgreSQL (${process.env.TEST_DATABASE_URL.replace(/\/\/[^@/]*@/, '//')}), one schema per test instance`);
} else {
  console.log('database: SQLite in memory; PostgreSQL suite skipped (set TEST_DATABASE_URL to run it)');
}

if (process.env.TEST_STORAGE_ONLY === '1') {
  const omitted = [];
  files = files.filter((file) => {
    const rule = STORAGE_INDEPENDENT.find((r) => r.pattern.test(file.replaceAll('\\', '/')));
    if (!rule) return true;
    if (!rule.usesDatabase && USES_DATABASE.test(readFileSync(file, 'utf8'))) {
      console.log(`runner: ${file} is listed as storage-independent but uses the database; running it`);
      return true;
    }
    omitted.push(`  ${file}: ${rule.reason}`);
    return false;
  });
  if (omitted.length > 0) {
    console.log(`runner: TEST_STORAGE_ONLY=1: leaving out ${omitted.length} file(s) that do not depend on the database (run in the SQLite pass):`);
    console.log(omitted.join('\n'));
  }
}

if (listOnly) {
  console.log(files.join('\n'));
  process.exit(0);
}

const pass = postgres ? 'postgresql' : 'sqlite';
const ownRecordDir = !process.env.TEST_RECORD_DIR;
const recordDir = process.env.TEST_RECORD_DIR || mkdtempSync(join(tmpdir(), 'latchkey-test-record-'));
const record = join(recordDir, `${pass}.jsonl`);
if (existsSync(record)) rmSync(record);

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const fileTimeout = process.env.TEST_FILE_TIMEOUT_MS ?? String(25 * 60_000);
const nodeArgs = [
  '--expose-internals', // scripts/test-timeouts.mjs sets each test's default timeout where node:test creates it
  '--import',
  'tsx',
  '--import',
  './scripts/test-timeouts.mjs',
  '--test',
  `--test-concurrency=${concurrency}`,
  `--test-timeout=${fileTimeout}`,
  '--test-reporter=./scripts/test-reporter.mjs',
  '--test-reporter-destination=stdout',
];
const run = (list, env) => spawnSync(process.execPath, [...nodeArgs, ...nodeOptions, ...list], { stdio: 'inherit', env: { ...process.env, TEST_RECORD: record, ...env } });

// The coverage test reads what the others recorded, so it runs after them.
const coverageAsked = files.some((f) => f.replaceAll('\\', '/') === COVERAGE);
const rest = files.filter((f) => f.replaceAll('\\', '/') !== COVERAGE);
let status = 0;
if (rest.length > 0) status = run(rest, {}).status ?? 1;
if (coverageAsked) {
  console.log(`\nrunner: ${COVERAGE} runs last: it counts only the tests recorded as run in ${recordDir}`);
  const someFiles = explicit.length > 0 && everything.some((f) => !explicit.includes(f));
  const someTests = nodeOptions.some((o) => /^--test-(name-pattern|skip-pattern|only)/.test(o));
  const scope = someFiles || someTests ? 'partial' : 'full';
  const coverage = run([COVERAGE], { TEST_RECORD_DIR: recordDir, TEST_RECORD_PASS: pass, TEST_RUN_SCOPE: scope }).status ?? 1;
  status = status || coverage;
}
// One line for the whole run (both phases), from the record.
if (existsSync(record)) {
  const entries = readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const count = (kind, status) => entries.filter((e) => e.kind === kind && e.status === status).length;
  console.log(
    `\nrunner: ${pass}: ${count('test', 'pass')} tests passed, ${count('test', 'fail')} failed, ` +
      `${count('test', 'skip')} tests and ${count('block', 'skip')} describe blocks skipped (reasons above)`,
  );
}
if (ownRecordDir) rmSync(recordDir, { recursive: true, force: true });
process.exit(status);
