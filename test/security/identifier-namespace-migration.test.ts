/**
 * The upgrade to one namespace of login identifiers (src/store/migrations/2026-12-06T0100-login-identifiers.ts)
 * on a database that already breaks the rule: an account whose username is another account's
 * email. The migration succeeds, the email keeps the identifier, the username is recorded as a
 * collision; `latchkey user collisions` lists it and `latchkey user rename` resolves it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Migrator } from 'kysely';
import { openAdmin, parseUserArgs, runUser } from '../../src/cli/commands/user.js';
import { loadConfig } from '../../src/config/index.js';
import { createStores, countIdentifierCollisions, migrateToLatest, openDatabase, type OpenedDatabase } from '../../src/store/index.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { systemClock } from '../../src/cli/core-wiring.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const BEFORE = '2026-12-05T0100-refresh-chain';

function account(id: string, username: string | null, email: string | null) {
  return {
    id,
    username,
    username_key: username?.toLowerCase() ?? null,
    email,
    email_key: email?.toLowerCase() ?? null,
    email_verified_at: null,
    password_hash: null,
    status: 'active' as const,
    promo_code: null,
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_000,
  };
}

const SQUATTER = '00000000-0000-4000-8000-00000000000a';
const OWNER = '00000000-0000-4000-8000-00000000000b';
const SAME = '00000000-0000-4000-8000-00000000000c';
const PLAIN = '00000000-0000-4000-8000-00000000000d';

describe('migration to one namespace of login identifiers, with a collision already in the data', () => {
  let dir: string;
  let testDb: TestDatabase;
  let opened: OpenedDatabase;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-identifiers-'));
    testDb = createTestDatabase({ sqliteFile: join(dir, 'latchkey.db') });
    opened = await openDatabase(testDb.url);
    const migrator = new Migrator({ db: opened.db, provider: migrationProvider, ...(opened.schema ? { migrationTableSchema: opened.schema } : {}) });
    const { error } = await migrator.migrateTo(BEFORE);
    if (error) throw error;
    await opened.db
      .insertInto('accounts')
      .values([
        account(SQUATTER, 'Eve@Example.com', 'squatter@evil.example'),
        account(OWNER, null, 'EVE@example.com'),
        account(SAME, 'same@example.com', 'Same@Example.com'),
        account(PLAIN, 'plain', null),
      ])
      .execute();
  });
  after(async () => {
    await opened.close();
    await testDb.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('succeeds, gives the identifier to the email, records the username as a collision', async () => {
    // migrateToLatest throws when any migration fails, and lists those that succeeded. Later
    // migrations apply too; this one must be among them, and nothing from before BEFORE re-ran.
    const { applied } = await migrateToLatest(opened);
    assert.ok(applied.includes('2026-12-06T0100-login-identifiers'), `applied: ${applied.join(', ')}`);
    assert.ok(applied.every((name) => name > BEFORE), `only migrations after ${BEFORE} ran: ${applied.join(', ')}`);
    const rows = await opened.db.selectFrom('login_identifiers').selectAll().orderBy('identifier').execute();
    assert.deepEqual(
      rows.map((r) => [r.identifier, r.account_id, r.kind]),
      [
        ['eve@example.com', OWNER, 'email'],
        ['plain', PLAIN, 'username'],
        ['same@example.com', SAME, 'both'],
        ['squatter@evil.example', SQUATTER, 'email'],
      ],
    );
    assert.equal(await countIdentifierCollisions(opened.db), 1);
    const accounts = createStores(opened, systemClock).accounts;
    assert.equal((await accounts.findByLoginKey(opened.db as never, 'eve@example.com'))?.id, OWNER, 'the address names its owner');
    assert.equal((await accounts.findByLoginKey(opened.db as never, 'squatter@evil.example'))?.id, SQUATTER, 'the other account keeps its email');
  });

  it('latchkey user collisions lists it; rename to a taken name is refused, to a free one resolves it', async () => {
    const { admin, close } = await openAdmin(loadConfig({ DATABASE_URL: testDb.url }));
    try {
      const listed = await runUser(admin, parseUserArgs(['collisions']), async () => '');
      assert.equal(listed.status, 0);
      assert.match(listed.output, /1 identifier\(s\) held by another account/);
      assert.ok(listed.output.includes(`latchkey user rename ${SQUATTER} NEW-USERNAME`), listed.output);
      assert.ok(listed.output.includes(OWNER));
      const json = JSON.parse((await runUser(admin, parseUserArgs(['collisions', '--json']), async () => '')).output);
      assert.equal(json.collisions[0].account.id, SQUATTER);
      assert.equal(json.collisions[0].kind, 'username');
      assert.equal(json.collisions[0].other.id, OWNER);

      for (const taken of ['EVE@example.com', 'plain', 'same@example.com']) {
        await assert.rejects(runUser(admin, parseUserArgs(['rename', SQUATTER, taken]), async () => ''), { code: 'USERNAME_TAKEN' }, taken);
      }
      const renamed = await runUser(admin, parseUserArgs(['rename', SQUATTER, 'eve-renamed']), async () => '');
      assert.equal(renamed.status, 0, renamed.output);
      assert.match((await runUser(admin, parseUserArgs(['collisions']), async () => '')).output, /^no identifier collisions$/);
      assert.equal(await countIdentifierCollisions(opened.db), 0);
      const accounts = createStores(opened, systemClock).accounts;
      assert.equal((await accounts.findByLoginKey(opened.db as never, 'eve-renamed'))?.id, SQUATTER);
      const events = await opened.db.selectFrom('audit_events').select(['type', 'account_id', 'surface']).where('type', '=', 'account_rename').execute();
      assert.deepEqual(events, [{ type: 'account_rename', account_id: SQUATTER, surface: 'cli' }]);
      // Renaming the account whose username equals its own email keeps the email's claim.
      await runUser(admin, parseUserArgs(['rename', SAME, 'same-user']), async () => '');
      assert.equal((await accounts.findByLoginKey(opened.db as never, 'same@example.com'))?.id, SAME);
      assert.equal((await accounts.findByLoginKey(opened.db as never, 'same-user'))?.id, SAME);
    } finally {
      await close();
    }
  });

  it('accounts written by a node of the earlier release (rolling upgrade) log in by their own columns, and are claimed by user collisions', async () => {
    const OLD = '00000000-0000-4000-8000-00000000000e';
    const OLD_SQUAT = '00000000-0000-4000-8000-00000000000f';
    // What an earlier release writes: the account row only.
    await opened.db.insertInto('accounts').values([account(OLD, 'old-node', 'Old@Example.com'), account(OLD_SQUAT, 'SQUATTER@evil.example', null)]).execute();
    const accounts = createStores(opened, systemClock).accounts;
    assert.equal((await accounts.findByLoginKey(opened.db as never, 'old-node'))?.id, OLD);
    assert.equal((await accounts.findByLoginKey(opened.db as never, 'old@example.com'))?.id, OLD);
    // A login finds it too; whether it has a second factor is then asked separately (undefined here).
    assert.deepEqual(await accounts.findForLogin(opened.db as never, 'old-node'), { account: await accounts.findById(opened.db as never, OLD), secondFactorOn: undefined });
    assert.equal((await accounts.findByLoginKey(opened.db as never, 'squatter@evil.example'))?.id, SQUATTER, 'a claimed identifier wins');
    const { admin, close } = await openAdmin(loadConfig({ DATABASE_URL: testDb.url }));
    try {
      const json = JSON.parse((await runUser(admin, parseUserArgs(['collisions', '--json']), async () => '')).output);
      assert.deepEqual(
        json.collisions.map((c: { account: { id: string }; kind: string; identifier: string; other: { id: string } }) => [c.account.id, c.kind, c.identifier, c.other.id]),
        [[OLD_SQUAT, 'username', 'squatter@evil.example', SQUATTER]],
      );
    } finally {
      await close();
    }
    const claims = await opened.db.selectFrom('login_identifiers').select(['identifier', 'kind']).where('account_id', '=', OLD).orderBy('identifier').execute();
    assert.deepEqual(claims, [
      { identifier: 'old-node', kind: 'username' },
      { identifier: 'old@example.com', kind: 'email' },
    ]);
    assert.equal((await accounts.findByLoginKey(opened.db as never, 'old-node'))?.id, OLD);
  });
});
