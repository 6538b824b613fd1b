/**
 * The session cache of a SQLite server (src/store/session-cache/sqlite-watch.ts): a repeated
 * session check is answered from memory, and nothing that ends a session or changes its account
 * is missed, whoever writes it: the stores, a statement by hand on the server's own connection
 * (seen at once), or another connection such as `latchkey user disable` (seen from the next
 * event-loop turn, as the read connection's snapshot is).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import type { SessionStore } from '../../src/core/sessions/ports.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';

const PASSWORD = 'cache-password-1';

/** Counts the session lookups that reach the database (the guarded store forwards to its target). */
function countLookups(sessions: SessionStore): { count(): number; restore(): void } {
  const target = sessions as unknown as Record<string, unknown>;
  const original = sessions.findWithAccount;
  let calls = 0;
  target.findWithAccount = (...args: Parameters<SessionStore['findWithAccount']>) => {
    calls += 1;
    return original.apply(sessions, args);
  };
  return { count: () => calls, restore: () => void (target.findWithAccount = original) };
}

for (const cacheSetting of ['on', 'off'] as const) {
  describe(`SQLite file with SESSION_CACHE=${cacheSetting}`, { skip: process.env.TEST_DATABASE_URL ? 'runs on SQLite only' : false }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-sqlite-cache-'));
    const file = join(dir, 'cache.db');
    let t: TestInstance;
    before(async () => {
      t = await createTestInstance({ hasher: 'fast', sqliteFile: file, env: { SESSION_CACHE: cacheSetting } });
    });
    after(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const me = (access: string) => call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) });
    const sidOf = (access: string): string => (JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;

    it(cacheSetting === 'on' ? 'answers a repeated check without reading the database' : 'reads the database for every check', async () => {
      await register(t.app, 'repeat', PASSWORD);
      const pair = await login(t.app, 'repeat', PASSWORD);
      assert.equal((await me(pair.access)).status, 200);
      const lookups = countLookups(t.latchkey.stores.sessions);
      try {
        for (let i = 0; i < 5; i++) assert.equal((await me(pair.access)).status, 200);
        assert.equal(lookups.count(), cacheSetting === 'on' ? 0 : 5);
      } finally {
        lookups.restore();
      }
    });

    it('refuses at once a session revoked by a statement by hand on the server connection', async () => {
      await register(t.app, 'by-hand', PASSWORD);
      const pair = await login(t.app, 'by-hand', PASSWORD);
      assert.equal((await me(pair.access)).status, 200);
      assert.equal((await me(pair.access)).status, 200);
      await t.latchkey.database.db.updateTable('sessions').set({ revoked_at: t.clock.now() }).where('id', '=', sidOf(pair.access)).execute();
      assert.equal((await me(pair.access)).status, 401, 'the revoked session is refused');
    });

    it('refuses at once a session whose idle expiry was moved into the past by hand, and keeps one that was only touched', async () => {
      await register(t.app, 'idle', PASSWORD);
      const pair = await login(t.app, 'idle', PASSWORD);
      assert.equal((await me(pair.access)).status, 200);
      const sid = sidOf(pair.access);
      await t.latchkey.database.db.updateTable('sessions').set({ last_seen_at: t.clock.now() }).where('id', '=', sid).execute();
      assert.equal((await me(pair.access)).status, 200, 'a last-seen write changes nothing a check decides on');
      await t.latchkey.database.db.updateTable('sessions').set({ idle_expires_at: t.clock.now() - 1 }).where('id', '=', sid).execute();
      assert.equal((await me(pair.access)).status, 401, 'the idle-expired session is refused');
    });

    it('refuses at once the sessions of an account deleted by hand', async () => {
      await register(t.app, 'deleted', PASSWORD);
      const pair = await login(t.app, 'deleted', PASSWORD);
      assert.equal((await me(pair.access)).status, 200);
      await t.latchkey.database.db.deleteFrom('accounts').where('username', '=', 'deleted').execute();
      assert.equal((await me(pair.access)).status, 401);
    });

    it('refuses, from the next event-loop turn, a session whose account another connection disabled', async () => {
      await register(t.app, 'elsewhere', PASSWORD);
      const pair = await login(t.app, 'elsewhere', PASSWORD);
      assert.equal((await me(pair.access)).status, 200);
      assert.equal((await me(pair.access)).status, 200);
      const other = new SQLite(file);
      try {
        other.pragma('busy_timeout = 5000');
        other.prepare("update accounts set status = 'disabled' where username = 'elsewhere'").run();
        await nextTurn();
        assert.equal((await me(pair.access)).status, 401, 'refused once the other connection committed');
        other.prepare("update accounts set status = 'active' where username = 'elsewhere'").run();
        await nextTurn();
        assert.equal((await me(pair.access)).status, 200, 'and accepted again');
        other.prepare("update sessions set revoked_at = 1 where id = ?").run(sidOf(pair.access));
        await nextTurn();
        assert.equal((await me(pair.access)).status, 401, 'a session revoked by the other connection is refused');
      } finally {
        other.close();
      }
    });
  });
}
