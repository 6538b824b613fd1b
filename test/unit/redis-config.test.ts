/** REDIS_URL and REDIS_PREFIX: validated, one line naming the variable, the URL never echoed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('Redis configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-redis-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the counters in the database unless REDIS_URL is set; the prefix defaults to latchkey:', () => {
    const config = loadConfig({});
    assert.equal(config.redisUrl, null);
    assert.equal(config.redisPrefix, 'latchkey:');
    assert.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(loadConfig({ REDIS_URL: 'rediss://:pw@cache.example.com:6380/2' }).redisUrl, 'rediss://:pw@cache.example.com:6380/2');
    assert.equal(loadConfig({ REDIS_URL: 'redis://user:pw@cache/0', REDIS_PREFIX: 'lk-prod:{eu}:' }).redisPrefix, 'lk-prod:{eu}:');
  });

  it('rejects a bad REDIS_URL with one line that never echoes the password', () => {
    for (const bad of ['http://:hunter2secret@cache:6379', 'redis//:hunter2secret@cache', ':hunter2secret@cache', 'redis://:hunter2secret@cache/not-a-db']) {
      assert.throws(
        () => loadConfig({ REDIS_URL: bad }),
        (err: unknown) => err instanceof ConfigError && /^REDIS_URL /.test(err.message) && !err.message.includes('hunter2secret') && !err.message.includes('\n'),
        bad,
      );
    }
  });

  it('rejects a REDIS_PREFIX with spaces, glob characters or too long', () => {
    for (const bad of ['has space', 'star*', 'x'.repeat(101)]) {
      assert.throws(() => loadConfig({ REDIS_PREFIX: bad }), (err: unknown) => err instanceof ConfigError && /^REDIS_PREFIX /.test(err.message), bad);
    }
  });

  it('latchkey serve exits 1 with one line naming REDIS_URL', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'redis.db')}`, REDIS_URL: 'mysql://root:hunter2secret@db' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^latchkey: invalid configuration: REDIS_URL must look like redis:\/\//);
    assert.ok(!r.stderr.includes('hunter2secret'));
  });
});
