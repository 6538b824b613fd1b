// Preloaded into every test file by scripts/run-tests.mjs (`--expose-internals --import`): gives
// each test and each hook a default timeout (TEST_TIMEOUT_MS, 180 s), so a hung test fails with
// its own name instead of hanging the run. On Node 20, `--test-timeout` bounds a whole file, not
// each test, so the runner uses it only as a backstop per file, and node:test has no public
// default for one test. A test or hook that sets its own `timeout` keeps it; tests and hooks
// inside a describe block with a `timeout` inherit that one, as node:test does. Wrapping the
// public `it` instead would make node:test report every test at this file's location, so the
// default is set where node:test creates a subtest. docs/decisions.md ("The test runner").
import { createRequire } from 'node:module';

const DEFAULT = Number(process.env.TEST_TIMEOUT_MS || 180_000);
const require = createRequire(import.meta.url);

let Test;
let Suite;
let kTestTimeoutFailure;
try {
  ({ Test, Suite, kTestTimeoutFailure } = require('internal/test_runner/test'));
} catch {
  Test = undefined;
}
if (typeof Test?.prototype?.createSubtest !== 'function' || typeof Test.prototype.createHook !== 'function' || typeof Suite !== 'function' || kTestTimeoutFailure === undefined) {
  throw new Error(
    `scripts/test-timeouts.mjs: node:test internals not found on Node ${process.version} (run with --expose-internals); ` +
      'cannot give each test its timeout',
  );
}

const isOptions = (value) => value !== null && typeof value === 'object';
/** No ancestor set a timeout (node:test leaves the root at null; its default is Infinity). */
const unbounded = (parent) => parent.timeout == null || parent.timeout === Infinity;

const createSubtest = Test.prototype.createSubtest;
Test.prototype.createSubtest = function (Factory, name, options, fn, overrides) {
  // node:test's own argument forms: (fn), (options, fn), (name, fn), (name, options, fn).
  if (typeof name === 'function') [name, options, fn] = [undefined, {}, name];
  else if (isOptions(name)) [name, options, fn] = [undefined, name, options];
  else if (typeof options === 'function') [options, fn] = [{}, options];
  if (!isOptions(options)) options = {};
  // Suites are left alone (a describe's timeout bounds the whole block); their tests get one.
  if (Factory !== Suite && !(Factory.prototype instanceof Suite) && unbounded(this) && options.timeout == null) {
    options = { ...options, timeout: DEFAULT };
  }
  return createSubtest.call(this, Factory, name, options, fn, overrides);
};

const createHook = Test.prototype.createHook;
Test.prototype.createHook = function (name, fn, options) {
  if (unbounded(this) && options?.timeout == null) options = { ...(options ?? {}), timeout: DEFAULT };
  return createHook.call(this, name, fn, options);
};

// A test that timed out usually leaves its work running (a polling loop, an open socket), which
// keeps this process alive after the last test, until the runner's per-file backstop. Once every
// test of the file has finished and one of them timed out, the file ends here: the results are
// already reported, and the runner counts the file as failed.
let root = null;
const timedOut = (test) => test.error?.failureType === kTestTimeoutFailure || test.subtests.some(timedOut);
const watch = setInterval(() => {
  if (root === null || root.subtests.length === 0 || !root.subtests.every((t) => t.finished)) return;
  if (!root.subtests.some(timedOut)) return;
  clearInterval(watch);
  setTimeout(() => {
    process.stderr.write('scripts/test-timeouts.mjs: a test timed out and left work running; ending this test file\n');
    process.exit(1);
  }, 2000).unref();
}, 1000);
watch.unref();
const rememberRoot = Test.prototype.createSubtest;
Test.prototype.createSubtest = function (...args) {
  if (this.parent === null) root = this;
  return rememberRoot.apply(this, args);
};
