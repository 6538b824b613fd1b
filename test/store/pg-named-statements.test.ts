/**
 * On PostgreSQL the hot statements (those compiled once by prepared()) run as named prepared
 * statements, parsed and planned once per connection; a statement whose cached plan the server
 * refuses falls back to running unnamed on that connection.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createStores, migrateToLatest, openDatabase, type OpenedDatabase, type Stores } from '../../src/store/index.js';
import { createFakeClock } from '../support/clock.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../support/database.js';

describe('PostgreSQL named statements', { skip: usingPostgres ? false : 'PostgreSQL only (TEST_DATABASE_URL is not set)' }, () => {
  let database: TestDatabase;
  let opened: OpenedDatabase;
  let stores: Stores;
  const accountId = randomUUID();

  before(async () => {
    database = createTestDatabase();
    opened = await openDatabase(database.url, { poolSize: 1 });
    await migrateToLatest(opened);
    stores = createStores(opened, createFakeClock());
    const now = Date.now();
    await stores.accounts.insert(stores.uow.db, { id: accountId, username: 'named', usernameKey: 'named', email: null, emailKey: null, passwordHash: 'x', status: 'active', createdAt: now });
  });
  after(async () => {
    await opened?.close();
    await database?.drop();
  });

  const prepared = async (): Promise<string[]> =>
    (await sql<{ name: string }>`select name from pg_prepared_statements where name like 'latchkey\\_%' order by name`.execute(opened.db)).rows.map((r) => r.name);

  it('prepares a hot statement once and reuses it', async () => {
    assert.equal((await stores.accounts.findById(stores.uow.db, accountId))?.username, 'named');
    const first = await prepared();
    assert.equal(first.length, 1, `one named statement after one lookup: ${first.join(', ')}`);
    for (let i = 0; i < 5; i++) await stores.accounts.findById(stores.uow.db, accountId);
    assert.deepEqual(await prepared(), first, 'the same statement, not a new one per call');
  });

  it('runs a statement unnamed once the server refuses its cached plan', async () => {
    await stores.accounts.findById(stores.uow.db, accountId);
    await sql`alter table accounts alter column username type varchar(300)`.execute(opened.db);
    await assert.rejects(stores.accounts.findById(stores.uow.db, accountId), (err: { code?: string }) => err.code === '0A000');
    assert.equal((await stores.accounts.findById(stores.uow.db, accountId))?.username, 'named', 'the next call works');
  });
});
