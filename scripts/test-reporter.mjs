// The test reporter of scripts/run-tests.mjs: Node's spec output, then a summary of what did
// not run. Node's own summary counts skipped tests but not skipped describe blocks, whose tests
// are never even listed; this one counts both, by reason, with the files. When TEST_RECORD is
// set it also writes one JSON line per test and block (file, name, kind, outcome, skip reason)
// to that file: test/security/checklist-coverage.test.ts reads it to count only tests that ran.
// docs/decisions.md ("The test runner").
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Transform } from 'node:stream';
import { spec } from 'node:test/reporters';

const RECORD = process.env.TEST_RECORD || null;

export default class SkipSummaryReporter extends Transform {
  #spec = new spec();
  /** reason -> { tests, blocks, files } */
  #skipped = new Map();
  #todo = 0;
  #slowest = [];
  #lines = [];

  constructor() {
    super({ writableObjectMode: true });
    this.#spec.on('data', (chunk) => this.push(chunk));
  }

  _transform(event, _encoding, callback) {
    if (event.type === 'test:pass' || event.type === 'test:fail') this.#note(event.type === 'test:pass' ? 'pass' : 'fail', event.data);
    this.#spec.write(event, callback);
  }

  _flush(callback) {
    this.#spec.once('end', () => {
      if (RECORD && this.#lines.length > 0) appendFileSync(RECORD, this.#lines.join(''));
      this.push(this.#summary());
      callback();
    });
    this.#spec.end();
    this.#spec.resume();
  }

  #note(outcome, data) {
    const kind = data.details?.type === 'suite' ? 'block' : 'test';
    const file = data.file ? relative(process.cwd(), data.file) : '';
    // A file's own entry (the runner's wrapper around each file) is not a test of that file.
    if (data.nesting === 0 && data.file && data.name === data.file) return;
    const skip = data.skip === undefined || data.skip === false ? null : data.skip === true ? 'no reason given' : String(data.skip);
    const status = skip !== null ? 'skip' : data.todo !== undefined && data.todo !== false ? 'todo' : outcome;
    this.#lines.push(`${JSON.stringify({ file, name: data.name, kind, status, skip })}\n`);
    if (status === 'todo') this.#todo++;
    if (skip !== null) {
      const entry = this.#skipped.get(skip) ?? { tests: 0, blocks: 0, files: new Set() };
      entry[kind === 'block' ? 'blocks' : 'tests']++;
      if (file) entry.files.add(file);
      this.#skipped.set(skip, entry);
    }
    const ms = data.details?.duration_ms;
    if (kind === 'test' && typeof ms === 'number') {
      this.#slowest.push({ ms, name: data.name, file });
      this.#slowest.sort((a, b) => b.ms - a.ms);
      this.#slowest.length = Math.min(this.#slowest.length, 5);
    }
  }

  #summary() {
    const out = ['', '── what did not run ──'];
    let tests = 0;
    let blocks = 0;
    for (const [reason, entry] of this.#skipped) {
      tests += entry.tests;
      blocks += entry.blocks;
      const files = [...entry.files].sort();
      out.push(`  skipped ${entry.tests} test(s) and ${entry.blocks} describe block(s): ${reason}`);
      out.push(`    in ${files.slice(0, 6).join(', ')}${files.length > 6 ? `, and ${files.length - 6} more` : ''}`);
    }
    out.push(`skipped: ${tests} test(s) and ${blocks} describe block(s) (the tests inside a skipped block are not listed by node:test)${this.#todo ? `; todo: ${this.#todo}` : ''}`);
    if (this.#slowest.length > 0) {
      out.push('slowest tests:');
      for (const s of this.#slowest) out.push(`  ${(s.ms / 1000).toFixed(1)} s  ${s.name}  (${s.file})`);
    }
    return `${out.join('\n')}\n`;
  }
}
