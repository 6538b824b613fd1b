/**
 * The operator's side of the second factor, for a lost device: the admin API's mfa-reset and
 * `latchkey user mfa-reset` (a real process on the same database) remove the factor, so the
 * password alone signs in again; the reset is audited and mailed to the owner. The operator
 * also lists and revokes app passwords. SQLite file, or PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login } from '../support/jwt-api.js';
import { codeAt, enrolTotp } from './helpers.js';

const PASSWORD = 'operator reset password';
const ADMIN_KEY = 'an-admin-key-of-the-operators-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'latchkey-mfa-ops-'));

describe('an operator resets a lost second factor', () => {
  let t: TestInstance;
  let database: TestDatabase;
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const admin = (method: 'POST' | 'GET' | 'DELETE', url: string) => call(t.app, method, `/api/v1/admin${url}`, { headers: bearer(ADMIN_KEY) });
  const passwordStatus = async (username: string) => (await call(t.app, 'POST', '/api/v1/account/login', { json: { username, password: PASSWORD } })).status;

  before(async () => {
    database = createTestDatabase({ sqliteFile: join(dir, 'ops.db') });
    t = await createTestInstance({ hasher: 'fast', env: { DATABASE_URL: database.url, ADMIN_API_KEY: ADMIN_KEY } });
    for (const [username, email] of [['alice', 'alice@example.test'], ['bob', 'bob@example.test']]) {
      const res = await call(t.app, 'POST', '/api/v1/account/register', { json: { username, password: PASSWORD, email } });
      assert.equal(res.status, 200, res.text);
    }
  });
  after(async () => {
    await t.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('through the admin API: the factor goes, audited and mailed, and the password alone signs in', async () => {
    await enrolTotp(t.app, t.clock, await login(t.app, 'alice', PASSWORD), PASSWORD);
    assert.equal(await passwordStatus('alice'), 401);
    const reset = await admin('POST', '/users/alice/mfa-reset');
    assert.equal(reset.status, 200, reset.text);
    assert.equal(reset.body.result.factorsRemoved, 1);
    assert.equal(await passwordStatus('alice'), 200);
    const db = t.latchkey.database.db;
    assert.equal((await db.selectFrom('audit_events').select('id').where('type', '=', 'mfa_reset').execute()).length, 1);
    const mail = await db.selectFrom('outbox').select(['recipient', 'data']).where('template', '=', 'second_factor_changed').execute();
    assert.ok(mail.some((m) => m.recipient === 'alice@example.test' && m.data.includes('reset_by_operator')), JSON.stringify(mail));
    assert.equal((await admin('POST', '/users/nobody/mfa-reset')).status, 404);
  });

  it('through latchkey user mfa-reset, and app passwords listed and revoked', async () => {
    const pair = await login(t.app, 'bob', PASSWORD);
    const { secret } = await enrolTotp(t.app, t.clock, pair, PASSWORD);
    t.clock.advance(30_000);
    const made = await call(t.app, 'POST', '/api/v1/account/app-passwords', { json: { name: 'calendar', password: PASSWORD, code: codeAt(secret, t.clock) }, headers: bearer(pair.access) });
    assert.equal(made.status, 200, made.text);
    const listed = cli(['user', 'app-passwords', 'bob', '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    const id = JSON.parse(listed.stdout).appPasswords[0].id as string;
    assert.equal(JSON.parse(listed.stdout).appPasswords[0].name, 'calendar');
    const revoked = await admin('DELETE', `/users/bob/app-passwords/${id}`);
    assert.equal(revoked.status, 200, revoked.text);
    assert.match(cli(['user', 'app-passwords', 'bob']).stdout, /no app passwords/);

    assert.equal(await passwordStatus('bob'), 401);
    const r = cli(['user', 'mfa-reset', 'bob']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /removed the second factor of account/);
    assert.equal(await passwordStatus('bob'), 200);
    assert.match(cli(['user', 'mfa-reset', 'bob']).stdout, /had no second factor; nothing changed/);
  });
});
