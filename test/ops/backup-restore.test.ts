/**
 * `latchkey backup` / `latchkey restore` (docs/deploy.md, "Backups"): a backup of a SQLite file
 * taken while registrations and logins are in flight restores into a new path, and a server
 * started on the restored file logs in every account and refreshes every session made before
 * the backup. Restore is refused while a server has the target open; backup is refused on
 * PostgreSQL and over an existing file without --force. Always a SQLite file: backup and
 * restore are SQLite commands (PostgreSQL uses pg_dump, checked here as a refusal).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { assembleLatchkey, type Latchkey } from '../../src/cli/assemble.js';
import { loadConfig } from '../../src/config/index.js';
import { call } from '../support/http.js';
import { createFastHasher } from '../support/fast-hasher.js';
import { NO_ADDRESS_LIMITS } from '../support/instance.js';
import { login, register, type Pair } from '../support/jwt-api.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'latchkey-backup-'));
const live = join(dir, 'live.db');
const backup = join(dir, 'backup.db');
const restored = join(dir, 'restored', 'latchkey.db');

async function start(path: string): Promise<Latchkey> {
  const config = loadConfig({ DATABASE_URL: `sqlite:${path}`, LOG_LEVEL: 'silent', ...NO_ADDRESS_LIMITS, MAX_INFLIGHT_PER_ADDRESS: '0' });
  const latchkey = await assembleLatchkey(config, { hasher: createFastHasher() });
  await latchkey.app.ready();
  return latchkey;
}

async function cli(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe('latchkey backup and restore (SQLite file)', { timeout: 600_000 }, () => {
  it('backs up under write load, restores into a new path, and every account and session made before works there', async () => {
    const a = await start(live);
    const accounts = new Map<string, Pair>();
    try {
      for (let i = 0; i < 12; i += 1) {
        const name = `before-${i}`;
        await register(a.app, name, `${name}-password`);
        accounts.set(name, await login(a.app, name, `${name}-password`));
      }

      // Load: four lanes of registrations and logins, until the backup command has finished
      // (bounded by count). Accounts whose registration answered before the command started are
      // "before the backup" too.
      let backupDone = false;
      let duringBackup = 0;
      let started = false;
      const lane = async (n: number): Promise<void> => {
        for (let i = 0; i < 500 && !backupDone; i += 1) {
          const name = `load-${n}-${i}`;
          const res = await call(a.app, 'POST', '/api/v1/account/register', { json: { username: name, password: `${name}-password` } });
          assert.equal(res.status, 200, res.text);
          const pair = await login(a.app, name, `${name}-password`);
          if (!started) accounts.set(name, pair);
          else if (!backupDone) duringBackup += 1;
        }
      };
      const lanes = [0, 1, 2, 3].map((n) => lane(n));
      await new Promise((r) => setTimeout(r, 200));
      started = true;
      const made = cli(['backup', backup, '--json'], `sqlite:${live}`).finally(() => {
        backupDone = true;
      });
      const [result] = await Promise.all([made, ...lanes]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(duringBackup > 0, 'writes were in flight while the backup ran');
      const report = JSON.parse(result.stdout) as { file: string; accounts: number; migration: string };
      assert.equal(report.file, backup);
      assert.ok(report.accounts >= accounts.size);

      // Never over an existing file without --force; never on PostgreSQL or a memory database.
      const again = await cli(['backup', backup], `sqlite:${live}`);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^latchkey backup: .*exists; pass --force/);
      const pg = await cli(['backup', join(dir, 'pg.dump')], process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
      assert.equal(pg.code, 1);
      assert.match(pg.stderr, /^latchkey backup: .*pg_dump.*docs\/deploy\.md/);
      assert.equal(existsSync(join(dir, 'pg.dump')), false);
      assert.equal((await cli(['backup', join(dir, 'm.db')], 'sqlite::memory:')).code, 1);
      assert.equal((await cli(['backup'], `sqlite:${live}`)).code, 2);

      // Refused while a server has the target open; the server keeps serving.
      const busy = await cli(['restore', backup], `sqlite:${live}`);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /^latchkey restore: .*open in another process/);
      await login(a.app, 'before-0', 'before-0-password');
    } finally {
      await a.close();
    }

    // Not a Latchkey database: refused before anything is touched.
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all'.repeat(100));
    const refused = await cli(['restore', junk], `sqlite:${restored}`);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^latchkey restore: .*(not a SQLite database|cannot be opened)/);
    assert.equal(existsSync(restored), false);

    const put = await cli(['restore', backup, '--json'], `sqlite:${restored}`);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(JSON.parse(put.stdout).previous, null);
    // Over an existing database nobody has open: done, the previous one kept beside it.
    const over = await cli(['restore', backup, '--json'], `sqlite:${restored}`);
    assert.equal(over.code, 0, over.stderr);
    assert.ok(readdirSync(join(dir, 'restored')).some((f) => f.startsWith('latchkey.db.before-restore-')));

    const b = await start(restored);
    try {
      for (const [name, pair] of accounts) {
        await login(b.app, name, `${name}-password`);
        const refreshed = await call(b.app, 'POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } });
        assert.equal(refreshed.status, 200, `${name}: ${refreshed.text}`);
      }
      const busy = await cli(['restore', backup], `sqlite:${restored}`);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /open in another process/);
    } finally {
      await b.close();
    }
  });
});
