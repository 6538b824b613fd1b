/** The `latchkey` command, run as a user would: a real process on a temporary SQLite file. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('latchkey CLI', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints usage with --help and lists serve and migrate', () => {
    const r = cli(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /serve/);
    assert.match(r.stdout, /migrate/);
  });

  it('migrates a new database, then reports it up to date', () => {
    const first = cli(['migrate']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /applied: .*core/);
    const second = cli(['migrate']);
    assert.equal(second.stdout.trim(), 'schema is up to date');
  });

  it('exits 2 with one line for an unknown command or argument', () => {
    const unknown = cli(['frobnicate']);
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr.trim().split('\n').length, 1);
    const extra = cli(['migrate', '--force']);
    assert.equal(extra.status, 2);
    assert.match(extra.stderr, /unexpected argument "--force"/);
  });

  it('every command listed by --help has its own --help and refuses an unknown flag with one line and exit 2', () => {
    const usage = cli(['--help']).stdout;
    const names = [...usage.matchAll(/^  ([a-z-]+) {2,}\S/gm)].map((m) => m[1] as string);
    assert.ok(names.length >= 9, `commands found in --help: ${names.join(', ')}`);
    for (const name of names) {
      const help = cli([name, '--help']);
      assert.equal(help.status, 0, `${name} --help`);
      assert.match(help.stdout, new RegExp(`latchkey ${name}`), `${name} --help names its usage`);
      const bad = cli([name, '--no-such-flag']);
      assert.equal(bad.status, 2, `${name} --no-such-flag: ${bad.stderr}`);
      assert.equal(bad.stderr.trim().split('\n').length, 1, `${name}: one line, got ${bad.stderr}`);
    }
  });

  it('exits 1 with one line naming a bad variable', () => {
    const r = cli(['serve'], { ACCESS_TOKEN_TTL: 'forever' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), 'latchkey: invalid configuration: ACCESS_TOKEN_TTL must be a duration in seconds, or with a unit like 15m, 2h or 7d (got "forever")');
  });

  it('serves HTTP, answers /healthz, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'serve.db')}`, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Generous: on a loaded machine tsx compiles the sources for many seconds before it listens.
      let answer: Response | undefined;
      await waitFor('the server answers /healthz', async () => {
        answer = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return answer !== undefined;
      }, { timeoutMs: 90_000, everyMs: 100 });
      assert.equal(answer?.status, 200);
      assert.deepEqual(await answer?.json(), { ok: true });
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
