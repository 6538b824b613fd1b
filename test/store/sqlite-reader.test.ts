/**
 * On a SQLite file, session checks read through a second, read-only connection. A write that
 * committed on the writer (logout, refresh, password change) must be seen by the very next
 * check, and nothing uncommitted ever is. Reads share one snapshot until the end of the event-loop
 * turn: a change made by another process (the CLI) is seen by any request after that.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';

describe('SQLite file: session checks on the read-only connection', { skip: process.env.TEST_DATABASE_URL ? 'runs on SQLite only' : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-reader-'));
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', sqliteFile: join(dir, 'reader.db') });
    assert.ok(t.latchkey.database.reader, 'a file database has a read connection');
    await register(t.app, 'reader', 'reader-password');
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const me = (access: string) => call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) });

  it("keeps each connection's page cache at SQLite's 2 MiB, not better-sqlite3's 16 MB", async () => {
    const { db, reader } = t.latchkey.database;
    assert.deepEqual((await sql<{ cache_size: number }>`pragma cache_size`.execute(db)).rows, [{ cache_size: -2000 }]);
    assert.deepEqual(reader!('pragma cache_size').get([]), { cache_size: -2000 });
  });

  it('sees a logout and a refresh at once', async () => {
    for (let i = 0; i < 20; i++) {
      const pair = await login(t.app, 'reader', 'reader-password');
      assert.equal((await me(pair.access)).status, 200);
      const next = await call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(pair.refresh) });
      assert.equal((await me(pair.access)).status, 401, 'the rotated session is refused at once');
      assert.equal((await me(next.body.result.token.access)).status, 200, 'the new session is seen at once');
      await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: bearer(next.body.result.token.access) });
      assert.equal((await me(next.body.result.token.access)).status, 401, 'the logout is seen at once');
    }
  });

  it('never sees a session whose transaction has not committed', async () => {
    const pair = await login(t.app, 'reader', 'reader-password');
    const { uow, sessions } = t.latchkey.stores;
    let seenInside: number | undefined;
    await assert.rejects(
      uow.transaction(async (tx) => {
        const session = (await sessions.findWithAccount(uow.db, JSON.parse(Buffer.from(pair.access.split('.')[1]!, 'base64url').toString()).sid))!.session;
        await sessions.revokeFamily(tx, session.familyId, t.clock.now());
        seenInside = (await me(pair.access)).status; // a request arriving mid-transaction
        throw new Error('roll back');
      }),
    );
    assert.equal(seenInside, 200, 'the uncommitted revocation is invisible to other requests');
    assert.equal((await me(pair.access)).status, 200, 'and it was rolled back');
  });

  it('sees a change made by another process (latchkey user disable) from the next event-loop turn on', async () => {
    await register(t.app, 'other-process', 'reader-password');
    const pair = await login(t.app, 'other-process', 'reader-password');
    assert.equal((await me(pair.access)).status, 200);
    const other = new SQLite(join(dir, 'reader.db'));
    try {
      other.pragma('busy_timeout = 5000');
      other.prepare("update accounts set status = 'disabled' where username = 'other-process'").run();
      await nextTurn();
      assert.equal((await me(pair.access)).status, 401, 'refused once the other connection committed');
      other.prepare("update accounts set status = 'active' where username = 'other-process'").run();
      await nextTurn();
      assert.equal((await me(pair.access)).status, 200, 'and accepted again');
    } finally {
      other.close();
    }
  });

  it('serves many checks in one turn from one snapshot, then sees a logout made between two of them', async () => {
    const pair = await login(t.app, 'reader', 'reader-password');
    const statuses = await Promise.all(Array.from({ length: 20 }, () => me(pair.access)));
    assert.deepEqual(new Set(statuses.map((r) => r.status)), new Set([200]));
    await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: bearer(pair.access) });
    assert.equal((await me(pair.access)).status, 401, 'the writer ended the snapshot');
  });
});

describe('SQLite file: a stopped server leaves one self-contained database file', { skip: process.env.TEST_DATABASE_URL ? 'runs on SQLite only' : false }, () => {
  it('checkpoints the WAL into the file at close, after the read connection served checks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-close-'));
    const file = join(dir, 'close.db');
    try {
      const t = await createTestInstance({ hasher: 'fast', sqliteFile: file });
      await register(t.app, 'closer', 'closer-password');
      const pair = await login(t.app, 'closer', 'closer-password');
      // The read-only connection has served checks, so it holds the WAL open too.
      for (let i = 0; i < 3; i++) assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 200);
      await t.close();
      // What a backup that copies only the database file would copy: everything, and no WAL beside it.
      assert.equal(existsSync(`${file}-wal`), false, 'the WAL was checkpointed and removed at close');
      const copy = new SQLite(file, { readonly: true, fileMustExist: true });
      try {
        assert.deepEqual(copy.prepare("select count(*) as n from accounts where username = 'closer'").get(), { n: 1 });
      } finally {
        copy.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
