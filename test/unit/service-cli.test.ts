/**
 * `latchkey service add|list|revoke`, run as an operator would: a real process on a temporary
 * SQLite file, or on a fresh PostgreSQL schema when TEST_DATABASE_URL is set; the keys it
 * prints are then used against a Latchkey instance on the same database.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../../src/cli/command.js';
import { parseServiceArgs } from '../../src/cli/commands/service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const KEY = /^lks_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/;
const dir = mkdtempSync(join(tmpdir(), 'latchkey-service-cli-'));
let database: TestDatabase;

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 30_000,
  });

function assertUsageError(args: string[], message: RegExp): void {
  const r = cli(['service', ...args]);
  assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^latchkey service: /);
  assert.match(r.stderr, message);
  assert.equal(r.stdout, '');
}

describe('latchkey service', () => {
  let t: TestInstance;
  before(async () => {
    database = createTestDatabase({ sqliteFile: join(dir, 'service.db') });
    const migrated = cli(['migrate']);
    assert.equal(migrated.status, 0, migrated.stderr);
    t = await createTestInstance({ hasher: 'fast', env: { DATABASE_URL: database.url } });
  });
  after(async () => {
    await t.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('add prints the key once, says it will not be shown again, and the key works for introspection', async () => {
    const r = cli(['service', 'add', 'billing']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^service key for billing \(id [0-9a-f-]{36}, 1200 requests a minute\):$/);
    assert.match(lines[1] ?? '', KEY);
    assert.match(r.stdout, /will not be shown again/);
    const key = lines[1]!;
    const res = await call(t.app, 'POST', '/api/v1/introspect', { json: { session: 'nobody' }, headers: bearer(key) });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { ok: true, result: { active: false } });

    const listed = cli(['service', 'list']);
    assert.equal(listed.status, 0);
    assert.ok(!listed.stdout.includes(key.slice('lks_'.length + 36 + 1)), 'list never shows a secret');
    const stored = await t.latchkey.database.db.selectFrom('service_keys').select('key_hash').execute();
    assert.ok(stored.every((row) => !key.includes(row.key_hash)), 'only a hash is stored');
  });

  it('add --json gives the key and the record; --rate-limit sets the limit', () => {
    const r = cli(['service', 'add', 'crm', '--rate-limit', '60', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.match(String(out.key), KEY);
    assert.equal(out.name, 'crm');
    assert.equal(out.rateLimit, 60);
    assert.equal(out.status, 'live');
    assert.match(String(out.notice), /not be shown again/);
  });

  it('list shows every key with its status, newest first; --json is parseable and holds no secret', () => {
    const text = cli(['service', 'list']);
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^ID\s+NAME\s+STATUS\s+RATE\/MIN\s+CREATED\s+LAST USED$/);
    assert.match(lines[1] ?? '', /^[0-9a-f-]{36}\s+crm\s+live\s+60\s+\S+\s+never$/);
    assert.match(lines[2] ?? '', /^[0-9a-f-]{36}\s+billing\s+live\s+1200\s+\S+\s+\d{4}-/, 'billing was used');
    const json = cli(['service', 'list', '--json']);
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((r) => r.name), ['crm', 'billing']);
    assert.deepEqual(Object.keys(rows[0] ?? {}).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'rateLimit', 'revokedAt', 'status']);
  });

  it('refuses a second live key with the same name (exit 2), but allows it once the first is revoked', async () => {
    assertUsageError(['add', 'billing'], /a service key named "billing" exists/);
    const first = JSON.parse(cli(['service', 'add', 'ledger', '--json']).stdout) as { key: string; id: string };
    const revoked = cli(['service', 'revoke', 'ledger']);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`^revoked service key ledger \\(${first.id}\\)`));
    const res = await call(t.app, 'POST', '/api/v1/introspect', { json: { session: 'x' }, headers: bearer(first.key) });
    assert.equal(res.status, 401, 'a revoked key stops working at once');
    const again = cli(['service', 'add', 'ledger', '--json']);
    assert.equal(again.status, 0, again.stderr);
    const rows = JSON.parse(cli(['service', 'list', '--json']).stdout) as Array<{ name: string; status: string }>;
    assert.deepEqual(rows.filter((r) => r.name === 'ledger').map((r) => r.status).sort(), ['live', 'revoked']);
  });

  it('revoke takes an id too; revoking what is not live exits 1 with one line', () => {
    const { id } = JSON.parse(cli(['service', 'add', 'temp', '--json']).stdout) as { id: string };
    const byId = cli(['service', 'revoke', id, '--json']);
    assert.equal(byId.status, 0, byId.stderr);
    assert.equal((JSON.parse(byId.stdout) as { status: string }).status, 'revoked');
    for (const target of [id, 'temp', 'never-added']) {
      const r = cli(['service', 'revoke', target]);
      assert.equal(r.status, 1, `${target}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /^latchkey service: no live service key/);
    }
  });

  it('rejects bad arguments with one line and exit status 2', () => {
    // A few as real processes (parsing and the core's name rule), the rest through the parser.
    assertUsageError([], /say add, list or revoke/);
    assertUsageError(['add', 'x', '--rate-limit', '0'], /--rate-limit must be a whole number/);
    assertUsageError(['add', 'Billing'], /lower-case letters/);
    assertUsageError(['add', '0123abcd-0000-4000-8000-000000000000'], /starting with a letter/);
    const cases: Array<[string[], RegExp]> = [
      [['rotate'], /unknown action "rotate"/],
      [['add'], /needs a NAME/],
      [['add', '--json'], /needs a NAME/],
      [['add', 'x', 'y'], /unexpected argument "y"/],
      [['add', 'x', '--rate-limit'], /--rate-limit needs a value/],
      [['add', 'x', '--rate-limit', '--json'], /--rate-limit needs a value/],
      [['add', 'x', '--rate-limit', '1e3'], /--rate-limit must be a whole number/],
      [['add', 'x', '--rate-limit', '10000000'], /--rate-limit must be a whole number/],
      [['add', 'x', '--force'], /unexpected argument "--force"/],
      [['list', 'extra'], /unexpected argument "extra"/],
      [['revoke'], /needs a NAME or ID/],
      [['revoke', 'a', 'b'], /unexpected argument "b"/],
    ];
    for (const [args, message] of cases) assert.throws(() => parseServiceArgs(args), (err: unknown) => err instanceof UsageError && message.test(err.message), args.join(' '));
    assert.deepEqual(parseServiceArgs(['add', '--rate-limit', '5', 'svc', '--json']), { action: 'add', json: true, name: 'svc', rateLimit: 5 });
    assert.deepEqual(parseServiceArgs(['revoke', 'svc']), { action: 'revoke', json: false, target: 'svc' });
  });

  it('prints help with --help, and the command list names it', () => {
    const r = cli(['service', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /latchkey service add NAME \[--rate-limit N\] \[--json\]/);
    assert.match(r.stdout, /latchkey service revoke NAME\|ID/);
    assert.match(cli(['--help']).stdout, /service\s+add, list or revoke service keys/);
  });
});
