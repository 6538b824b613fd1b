/**
 * "No session" is a value, an outage is a 503 (docs/security.md, "Logout"): while the database
 * cannot be used, a logout answers 503 and clears nothing, the pages answer 503 rather than
 * "logged out", and the session is still live once the database is back. On PostgreSQL the
 * outage is a TCP proxy cutting every connection; on SQLite another connection holds the write
 * lock (SQLITE_BUSY after the busy timeout) while the session's last-seen time is due a write.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { CookieJar, findSetCookie } from '../support/cookie-jar.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../support/database.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const PASSWORD = 'pia has a long password';
const dir = mkdtempSync(join(tmpdir(), 'latchkey-outage-logout-'));

describe(`an outage is not a logout (${usingPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let t: TestInstance;
  let database: TestDatabase | null = null;
  let proxy: TcpProxy | null = null;
  let locker: SQLite.Database | null = null;

  before(async () => {
    if (usingPostgres) {
      database = createTestDatabase();
      const target = new URL(process.env.TEST_DATABASE_URL!);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const viaProxy = new URL(database.url);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      t = await createTestInstance({ hasher: 'fast', env: { DATABASE_URL: viaProxy.toString() } });
    } else {
      t = await createTestInstance({ hasher: 'fast', sqliteFile: join(dir, 'outage.db') });
    }
    await t.service.registerAccount({ username: 'pia', password: PASSWORD });
  });
  after(async () => {
    locker?.close();
    await t?.close();
    await proxy?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  function down(): void {
    if (proxy) return proxy.down();
    locker = new SQLite(join(dir, 'outage.db'));
    locker.exec('BEGIN IMMEDIATE');
  }
  function up(): void {
    if (proxy) return proxy.up();
    locker?.exec('ROLLBACK');
    locker?.close();
    locker = null;
  }

  it('logout answers 503 and clears nothing while the database is out, and the session survives', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/accounts/action/?do=login', payload: { username: 'pia', password: PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    const jar = new CookieJar().update(res);
    t.clock.advance(61_000); // the session's last-seen time is due a write at its next use
    down();
    try {
      const api = await t.app.inject({
        method: 'POST',
        url: '/accounts/action/?do=logout',
        headers: { ...jar.headers(), 'x-csrftoken': jar.get('csrftoken')!, origin: 'http://localhost:3000' },
      });
      assert.equal(api.statusCode, 503, api.body);
      assert.equal(findSetCookie(api, 'sessionid'), undefined, 'the cookie API cleared no cookie');
      const page = await t.app.inject({
        method: 'POST',
        url: '/logout',
        headers: { ...jar.headers(), 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        payload: new URLSearchParams({ csrf: jar.get('csrftoken')! }).toString(),
      });
      assert.equal(page.statusCode, 503, page.body.slice(0, 300));
      assert.match(String(page.headers['content-type']), /text\/html/);
      assert.equal(findSetCookie(page, 'sessionid'), undefined, 'the page cleared no cookie');
      const account = await t.app.inject({ method: 'GET', url: '/account', headers: jar.headers() });
      assert.equal(account.statusCode, 503, 'the account page does not treat an outage as logged out');
    } finally {
      up();
    }
    const deadline = Date.now() + 10_000;
    let check = await t.app.inject({ method: 'POST', url: '/accounts/action/?do=check_login', headers: jar.headers() });
    while (check.statusCode === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      check = await t.app.inject({ method: 'POST', url: '/accounts/action/?do=check_login', headers: jar.headers() });
    }
    assert.equal(check.statusCode, 200, 'the session is still live after the outage');
  });
});
