/** Configuration that catches mistakes: near-miss names, missing SQLite folders, the log format. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeDatabase } from '../../src/config/database.js';
import { misspelledVariables } from '../../src/config/env-names.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-config-'));

describe('configuration mistakes', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('warns about a variable one typo away from a setting, naming the setting it resembles', () => {
    const warnings = misspelledVariables({ PASWORD_MIN_LENGTH: '12', REDIS_URI: 'redis://x', LOG_LEVL: 'debug' });
    assert.deepEqual(warnings, [
      'LOG_LEVL is not a Latchkey setting and is ignored; did you mean LOG_LEVEL?',
      'PASWORD_MIN_LENGTH is not a Latchkey setting and is ignored; did you mean PASSWORD_MIN_LENGTH?',
      'REDIS_URI is not a Latchkey setting and is ignored; did you mean REDIS_URL?',
    ]);
  });

  it('warns about an unknown name under a Latchkey prefix, listing the real ones', () => {
    assert.deepEqual(misspelledVariables({ SMTP_HOST: 'mail.example.com' }), [
      'SMTP_HOST is not a Latchkey setting and is ignored (settings starting with SMTP_: SMTP_URL)',
    ]);
  });

  it('stays quiet about the settings themselves and about other software\'s variables', () => {
    const env = { PASSWORD_MIN_LENGTH: '12', REDIS_URL: 'redis://127.0.0.1', HOSTNAME: 'box', HOME: '/root', PATH: '/bin', NODE_OPTIONS: '', SESSION_MANAGER: 'x', PGHOST: 'db', TEST_DATABASE_URL: 'postgres://x', LOG_FORMAT: 'json', NODE_ENV: 'production' };
    assert.deepEqual(misspelledVariables(env), []);
  });

  it('refuses a SQLite file in a folder that does not exist, but not the default ./data', () => {
    const missing = join(dir, 'no-such-folder', 'x.db');
    assert.throws(() => loadConfig({ DATABASE_URL: `sqlite:${missing}` }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^DATABASE_URL names a SQLite file in the folder .*no-such-folder, which does not exist/);
      return true;
    });
    assert.equal(loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'x.db')}` }).databaseUrl, `sqlite:${join(dir, 'x.db')}`);
    assert.equal(loadConfig({ DATABASE_URL: 'sqlite:./data/other.db' }).databaseUrl, 'sqlite:./data/other.db');
    assert.equal(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).databaseUrl, 'sqlite::memory:');
  });

  it('describes the database without its password', () => {
    assert.equal(describeDatabase('postgres://latchkey:hunter2@db.internal:5433/accounts?schema=tenant_a'), 'PostgreSQL latchkey@db.internal:5433/accounts (schema tenant_a)');
    assert.equal(describeDatabase('postgres://latchkey@localhost/accounts?host=/var/run/postgresql'), 'PostgreSQL latchkey@/var/run/postgresql/accounts (Unix socket)');
    assert.equal(describeDatabase(`sqlite:${join(dir, 'x.db')}`), `SQLite ${join(dir, 'x.db')}`);
  });

  it('reads LOG_FORMAT (auto, json or pretty) and NODE_ENV', () => {
    assert.equal(loadConfig({}).logFormat, 'auto');
    assert.equal(loadConfig({ LOG_FORMAT: 'json' }).logFormat, 'json');
    assert.throws(() => loadConfig({ LOG_FORMAT: 'xml' }), /^ConfigError: LOG_FORMAT must be one of auto, json, pretty/);
    assert.equal(loadConfig({}).production, false);
    assert.equal(loadConfig({ NODE_ENV: 'production' }).production, true);
  });
});
