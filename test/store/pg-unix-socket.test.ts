/**
 * A node on the same machine as PostgreSQL can reach it over its Unix socket: a `host` parameter
 * naming the socket's folder in DATABASE_URL (README, "Running on PostgreSQL"). The pool and the
 * session cache's LISTEN connection both use it, with a `schema` parameter beside it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createStores, migrateToLatest, openDatabase, type OpenedDatabase } from '../../src/store/index.js';
import { createSessionCache } from '../../src/store/session-cache/cache.js';
import { startPgSessionChannel, type SessionChannel } from '../../src/store/session-cache/pg-channel.js';
import { createFakeClock } from '../support/clock.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../support/database.js';

/** The first folder PostgreSQL puts its socket in, asked over the suite's own connection. */
async function socketFolder(): Promise<string | null> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ dirs: string }>("select current_setting('unix_socket_directories') as dirs");
    const first = (rows[0]?.dirs ?? '').split(',')[0]?.trim() ?? '';
    return first.startsWith('/') ? first : null;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL over its Unix socket', { skip: usingPostgres ? false : 'PostgreSQL only (TEST_DATABASE_URL is not set)' }, () => {
  let database: TestDatabase;
  let opened: OpenedDatabase | undefined;
  let channel: SessionChannel | undefined;
  let url = '';

  before(async () => {
    database = createTestDatabase();
    const folder = await socketFolder();
    assert.ok(folder, 'PostgreSQL names a folder for its Unix socket (unix_socket_directories)');
    const withSocket = new URL(database.url);
    withSocket.searchParams.set('host', folder);
    url = withSocket.toString();
  });
  after(async () => {
    await channel?.close();
    await opened?.close();
    await database?.drop();
  });

  it('migrates, stores and reads through the socket, in the schema the URL names', async () => {
    opened = await openDatabase(url, { poolSize: 2 });
    await migrateToLatest(opened);
    const stores = createStores(opened, createFakeClock());
    const id = randomUUID();
    await stores.accounts.insert(stores.uow.db, { id, username: 'socket', usernameKey: 'socket', email: null, emailKey: null, passwordHash: 'x', status: 'active', createdAt: Date.now() });
    assert.equal((await stores.accounts.findById(stores.uow.db, id))?.username, 'socket');
    const { rows } = await sql<{ addr: string | null; schema: string }>`select inet_client_addr() as addr, current_schema() as schema`.execute(opened.db);
    assert.equal(rows[0]?.addr, null, 'no client address: the connection is a Unix socket, not TCP');
    assert.equal(rows[0]?.schema, new URL(database.url).searchParams.get('schema'));
  });

  it("the session cache's channel listens through the socket and is trusted once its heartbeat returns", async () => {
    const cache = createSessionCache({ maxEntries: 10, maxAgeMs: 60_000, trustMs: 1000 });
    channel = await startPgSessionChannel(cache, { url, pingMs: 20 });
    assert.equal(channel.isListening(), true);
    const deadline = Date.now() + 5000;
    while (!cache.trusted() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(cache.trusted(), true, 'a heartbeat came back over the socket');
  });
});
