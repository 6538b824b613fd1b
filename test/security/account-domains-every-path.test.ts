/**
 * ACCOUNT_DOMAINS is one rule for every path that creates or renames a `user@domain` username
 * (src/core/accounts/identifier-rules.ts): the Basic API, JSON registration, the admin API and
 * an operator's rename all refuse a domain outside the list; usernames without `@` are not
 * affected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const ADMIN_KEY = 'adm1n-Key_for.the~account-domains-tests-0123456789';
const PASSWORD = 'a long enough password 1';

describe('ACCOUNT_DOMAINS on every path', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { ADMIN_API_KEY: ADMIN_KEY, ACCOUNT_DOMAINS: 'buddy.example,Other.Example' } });
  });
  after(() => t.close());

  const json = (username: string) => call(t.app, 'POST', '/api/v1/account/register', { json: { username, password: PASSWORD } });
  const basic = (username: string) => call(t.app, 'POST', '/api/account', { json: { username, password: PASSWORD } });
  const admin = (username: string) => call(t.app, 'POST', '/api/v1/admin/users', { json: { username, password: PASSWORD }, headers: bearer(ADMIN_KEY) });

  it('refuses an outside domain with 400 naming username on JSON, Basic and the admin API; nothing is created', async () => {
    for (const [surface, send] of [['json', json], ['basic', basic], ['admin', admin]] as const) {
      const res = await send(`user-${surface}@outsider.example`);
      assert.equal(res.status, 400, `${surface}: ${res.text}`);
      assert.match(res.text, /cannot be created under this domain/, surface);
      assert.match(res.text, /username/, surface);
      // The README's example shape (no dot in the domain) is a domain too.
      assert.equal((await send(`john-${surface}@API`)).status, 400, surface);
    }
    const rows = await t.latchkey.database.db.selectFrom('accounts').select('username_key').execute();
    assert.deepEqual(rows, []);
    // Usable on Basic? No account, so no.
    const basicLogin = await call(t.app, 'GET', '/api/', { headers: { authorization: `Basic ${Buffer.from(`user-json@outsider.example:${PASSWORD}`).toString('base64')}` } });
    assert.equal(basicLogin.status, 401);
  });

  it('accepts an allowed domain in any case, and usernames without a domain where the path allows them', async () => {
    assert.equal((await json('ann@BUDDY.example')).status, 200);
    assert.equal((await basic('bob@other.example')).status, 201);
    assert.equal((await admin('cid@buddy.example')).status, 201);
    assert.equal((await json('plainname')).status, 200);
    assert.equal((await admin('plain-admin')).status, 201);
  });

  it("refuses an operator's rename into an outside domain", async () => {
    const adminService = t.latchkey.admin;
    await assert.rejects(adminService.renameUser('plainname', 'plain@outsider.example'), { code: 'INVALID_INPUT', field: 'username' });
    const renamed = await adminService.renameUser('plainname', 'plain@buddy.example');
    assert.equal(renamed.username, 'plain@buddy.example');
  });
});
