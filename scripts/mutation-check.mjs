#!/usr/bin/env node
// The mutation check: proves the security tests are real by breaking each check they pin and
// expecting them to fail. For every mutation in scripts/mutations.mjs it edits the source file
// in place, runs the mutation's test files (with a time limit), expects at least one failing
// test, and restores the file: always, in a finally block and on SIGINT, SIGTERM or SIGHUP.
// Before any mutation the named test files run once on the untouched tree (the control); if
// they fail there, nothing else runs.
//
//   npm run mutation-check                      every mutation
//   npm run mutation-check -- csrf-double-submit-removed admin-key-prefix-only
//   npm run mutation-check -- --list            the mutations, without running anything
//
// MUTATION_TIMEOUT (seconds, default 300) bounds each test run; a run that times out counts as
// not caught (a hang names no test). With TEST_DATABASE_URL set the tests run on PostgreSQL.
// A mutation marked `postgres` (a statement only PostgreSQL runs) always runs its tests on the
// PostgreSQL server of MUTATION_POSTGRES_URL (.ci/run sets it); without it such mutations are
// listed as not run and do not count.
// Exits 0 only when the control passes and every mutation run is caught.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MUTATIONS } from './mutations.mjs';

const args = process.argv.slice(2);
if (args.includes('--list')) {
  for (const m of MUTATIONS) console.log(`${m.id.padEnd(28)} ${m.title}\n${' '.repeat(29)}${m.edits.map((e) => e.file).join(', ')} -> ${m.tests.join(', ')}`);
  process.exit(0);
}
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((id) => !MUTATIONS.some((m) => m.id === id));
if (unknown.length) {
  console.error(`unknown mutation: ${unknown.join(', ')} (see --list)`);
  process.exit(2);
}
const postgresUrl = process.env.MUTATION_POSTGRES_URL;
const chosen = wanted.length ? MUTATIONS.filter((m) => wanted.includes(m.id)) : MUTATIONS;
const notRun = postgresUrl ? [] : chosen.filter((m) => m.postgres);
const selected = chosen.filter((m) => !notRun.includes(m));
/** The environment of a mutation's test run: its database. */
const envOf = (postgres) => (postgres ? { ...process.env, TEST_DATABASE_URL: postgresUrl } : process.env);
const timeoutSeconds = Number(process.env.MUTATION_TIMEOUT ?? 300);
const logDir = mkdtempSync(join(tmpdir(), 'latchkey-mutation-'));

// ---- applying and restoring -------------------------------------------------------------

/** Original contents of every file currently mutated. */
const originals = new Map();
let child = null;

function restoreAll() {
  for (const [file, text] of originals) writeFileSync(file, text);
  originals.clear();
}

function count(text, needle) {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Why the mutation cannot be applied to the tree as it is, or null. */
function problemWith(m) {
  const texts = new Map();
  for (const e of m.edits) {
    const text = texts.get(e.file) ?? readFileSync(e.file, 'utf8');
    const n = count(text, e.from);
    if (n === 0) {
      const leftover = count(text, e.to) > 0 ? ` (the mutated text is there: restore it with git checkout -- ${e.file})` : ' (the code changed: update scripts/mutations.mjs)';
      return `${e.file}: text not found${leftover}: ${e.from}`;
    }
    if (n > 1 && !e.all) return `${e.file}: text found ${n} times, expected once: ${e.from}`;
    texts.set(e.file, text.split(e.from).join(e.to));
  }
  return null;
}

function apply(m) {
  for (const e of m.edits) {
    const text = readFileSync(e.file, 'utf8');
    if (!originals.has(e.file)) originals.set(e.file, text);
    writeFileSync(e.file, e.all ? text.split(e.from).join(e.to) : text.replace(e.from, () => e.to));
  }
}

function onSignal(signal, code) {
  process.on(signal, () => {
    if (child) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
    restoreAll();
    console.error(`\n${signal}: stopped; every mutated file is restored`);
    process.exit(code);
  });
}
onSignal('SIGINT', 130);
onSignal('SIGTERM', 143);
onSignal('SIGHUP', 129);
process.on('exit', restoreAll); // last resort (an uncaught error): writes are synchronous

// ---- running the tests ------------------------------------------------------------------

/** Runs the test files; resolves to { failed, timedOut, failures: [names], seconds, log }. */
function runTests(files, label, env = process.env) {
  const log = join(logDir, `${label}.tap`);
  const started = performance.now();
  return new Promise((resolve) => {
    let out = '';
    child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=tap', ...files], {
      env,
      detached: true, // its own process group, so a timeout stops everything it started
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      child = null;
      writeFileSync(log, out);
      const failing = [...out.matchAll(/^( *)not ok \d+ - (.*)$/gm)]
        .filter((m) => !/\.test\.ts$/.test(m[2]))
        .sort((a, b) => b[1].length - a[1].length)
        .map((m) => m[2].trim());
      const failedCount = Number(/^# fail (\d+)/m.exec(out)?.[1] ?? 0);
      resolve({
        failed: code !== 0 || failedCount > 0,
        failedCount,
        timedOut,
        failures: [...new Set(failing)],
        seconds: (performance.now() - started) / 1000,
        log,
      });
    });
  });
}

// ---- the check --------------------------------------------------------------------------

const problems = selected.map((m) => [m.id, problemWith(m)]).filter(([, p]) => p !== null);
if (problems.length) {
  for (const [id, p] of problems) console.error(`${id}: ${p}`);
  process.exit(2);
}

const allStarted = performance.now();
const testFiles = [...new Set(selected.flatMap((m) => m.tests))];
const postgresFiles = [...new Set(selected.filter((m) => m.postgres).flatMap((m) => m.tests))];
console.log(`mutation check: ${selected.length} mutations, ${testFiles.length} test files, ${timeoutSeconds} s limit per run; logs in ${logDir}`);
for (const m of notRun) console.log(`  ${m.id}: not run (a PostgreSQL statement; set MUTATION_POSTGRES_URL to run it)`);
let control = await runTests(testFiles, 'control');
if (!control.failed && postgresFiles.length) {
  const onPostgres = await runTests(postgresFiles, 'control-postgres', envOf(true));
  control = { ...onPostgres, seconds: control.seconds + onPostgres.seconds };
}
console.log(`control (unmutated tree): ${control.failed ? 'FAILED' : 'passed'} in ${control.seconds.toFixed(1)} s`);
if (control.failed) {
  console.error(`the named tests fail without any mutation${control.timedOut ? ' (timed out)' : ''}: ${control.failures.slice(0, 5).join(' | ')}\nsee ${control.log}`);
  process.exit(1);
}

const rows = [];
for (const m of selected) {
  let result;
  try {
    apply(m);
    result = await runTests(m.tests, m.id, envOf(m.postgres));
  } finally {
    restoreAll();
  }
  const caught = result.failed && !result.timedOut;
  const verdict = caught ? `yes (${result.failedCount} failing)` : result.timedOut ? 'NO (timed out)' : 'NO (survived)';
  rows.push({ id: m.id, verdict, caught, seconds: result.seconds, by: result.failures[0] ?? '', log: result.log });
  console.log(`  ${m.id}: ${verdict} in ${result.seconds.toFixed(1)} s${result.failures[0] ? ` (first failing test: ${result.failures[0]})` : ''}`);
}

const width = Math.max(8, ...rows.map((r) => r.id.length));
console.log(`\n${'mutation'.padEnd(width)}  caught            seconds  first failing test`);
for (const r of rows) {
  console.log(`${r.id.padEnd(width)}  ${r.verdict.padEnd(16)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.by.slice(0, 100)}`);
}
const missed = rows.filter((r) => !r.caught);
const total = (performance.now() - allStarted) / 1000;
console.log(`\n${rows.length - missed.length} of ${rows.length} mutations caught; control ${control.seconds.toFixed(1)} s; total ${total.toFixed(1)} s`);
for (const r of missed) console.log(`not caught: ${r.id} (log: ${r.log})`);
process.exit(missed.length ? 1 : 0);
