/**
 * On a SQLite file, session checks read through a second, read-only connection. A write that
 * committed on the writer (logout, refresh, password change) must be seen by the very next
 * check, and nothing uncommitted ever is.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register } from '../support/native.js';

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
});
