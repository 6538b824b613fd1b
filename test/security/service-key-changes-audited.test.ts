/**
 * `latchkey service add` and `latchkey service revoke` write `service_key_add` and
 * `service_key_revoke` audit events (README, audit events), run as an operator would: a real
 * process on a SQLite file or a fresh PostgreSQL schema.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type OpenedDatabase } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-service-audit-'));

describe('service key changes are audited from the CLI', () => {
  let database: TestDatabase;
  let opened: OpenedDatabase;
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 30_000,
    });

  before(async () => {
    database = createTestDatabase({ sqliteFile: join(dir, 'service-audit.db') });
    const migrated = cli(['migrate']);
    assert.equal(migrated.status, 0, migrated.stderr);
    opened = await openDatabase(database.url);
  });
  after(async () => {
    await opened?.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('service add and service revoke each write one event naming the key, with the cli surface and no secret', async () => {
    const added = cli(['service', 'add', 'ledger', '--json']);
    assert.equal(added.status, 0, added.stderr);
    const { id, key } = JSON.parse(added.stdout) as { id: string; key: string };
    const revoked = cli(['service', 'revoke', 'ledger']);
    assert.equal(revoked.status, 0, revoked.stderr);
    const refused = cli(['service', 'revoke', 'ledger']);
    assert.equal(refused.status, 1, 'nothing left to revoke');

    const rows = await opened.db
      .selectFrom('audit_events')
      .select(['type', 'outcome', 'surface', 'detail'])
      .where('type', 'in', ['service_key_add', 'service_key_revoke'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.type, r.outcome, r.surface, JSON.parse(r.detail ?? '{}')]),
      [
        ['service_key_add', 'success', 'cli', { service: 'ledger', serviceKeyId: id }],
        ['service_key_revoke', 'success', 'cli', { service: 'ledger', serviceKeyId: id }],
      ],
    );
    assert.ok(!JSON.stringify(rows).includes(key.slice(-43)), 'no secret in the audit rows');
  });
});
