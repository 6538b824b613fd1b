/**
 * The admin API (docs/decisions.md, "Administration"): /api/v1/admin exists only with ADMIN_API_KEY, takes only that key,
 * and its operations do what an operator expects as the users see it: a disabled account's
 * access token, refresh token, cookie session and Basic credentials are refused at once; an
 * enabled one logs in again; a password set by the admin replaces the old one everywhere.
 * Real argon2id throughout. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { loadConfig } from '../../src/config/index.js';
import { action, loginJar } from '../cookie/helpers.js';
import { bearer, call, type JsonResponse } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';

const ADMIN_KEY = 'adm1n-Key_for.the~admin/api+tests-0123456789';
const PASSWORD = 'Tangerine-Kettle-81';
const NEW_PASSWORD = 'Velvet-Harbour-Lantern-4';
const ENV = { ADMIN_API_KEY: ADMIN_KEY, LOGIN_IP_FAILURES_PER_MINUTE: '100000' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

function adminCall(t: TestInstance, method: Method, path: string, json?: unknown, headers: Record<string, string> = bearer(ADMIN_KEY)): Promise<JsonResponse> {
  return call(t.app, method, `/api/v1/admin${path}`, { ...(json !== undefined ? { json } : {}), headers });
}

function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

async function loginStatus(t: TestInstance, username: string, password: string): Promise<number> {
  return (await call(t.app, 'POST', '/api/v1/account/login', { json: { username, password } })).status;
}

async function outbox(t: TestInstance): Promise<Array<{ id: string; template: string; recipient: string; status: string }>> {
  const res = await adminCall(t, 'GET', '/outbox');
  assert.equal(res.status, 200, res.text);
  return res.body.result.messages;
}

describe('admin API switched off', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  it('answers every /api/v1/admin path with the 404 of an unknown path, key or not', async () => {
    const unknown = await call(t.app, 'GET', '/api/v1/nothing-here');
    for (const [method, path] of [['GET', '/users'], ['POST', '/users'], ['GET', '/outbox'], ['DELETE', '/users/x/sessions']] as const) {
      const res = await adminCall(t, method, path, method === 'POST' ? {} : undefined);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'not_found');
      assert.deepEqual(Object.keys(res.body), Object.keys(unknown.body));
    }
  });

  it('refuses to start with a short or malformed ADMIN_API_KEY, in one line that names it and never shows it', () => {
    for (const bad of ['short-key', 'x'.repeat(31), `${'a'.repeat(40)} b`, `${'a'.repeat(20)}=${'a'.repeat(20)}`, 'ü'.repeat(40)]) {
      assert.throws(
        () => loadConfig({ ADMIN_API_KEY: bad }),
        (err: Error) => /^ADMIN_API_KEY must be 32 to 512/.test(err.message) && !err.message.includes(bad) && !err.message.includes('\n'),
        bad,
      );
    }
    assert.equal(loadConfig({ ADMIN_API_KEY: ADMIN_KEY }).adminApiKey, ADMIN_KEY);
    assert.equal(loadConfig({}).adminApiKey, null);
  });
});

describe('admin API (argon2id)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ env: ENV });
  });
  after(() => t.close());

  it('takes only the admin key: none, a wrong one, a near miss, Basic, a user token or refresh token is 401', async () => {
    await register(t.app, 'mallory', PASSWORD);
    const pair = await login(t.app, 'mallory', PASSWORD);
    const attempts: Array<Record<string, string>> = [
      {},
      bearer('wrong-key-wrong-key-wrong-key-wrong-key'),
      bearer(ADMIN_KEY.slice(0, -1)),
      bearer(`${ADMIN_KEY}x`),
      bearer(ADMIN_KEY.toUpperCase()),
      { authorization: ADMIN_KEY },
      basic('admin', ADMIN_KEY),
      bearer(pair.access),
      bearer(pair.refresh),
    ];
    for (const headers of attempts) {
      const res = await adminCall(t, 'GET', '/users', undefined, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.body.ok, false);
      assert.equal(res.body.error.code, 'not_authenticated');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="latchkey-admin"');
      assert.equal(res.headers['cache-control'], 'no-store');
    }
    // Checked before the body is read: a bad body without the key is still 401, not 400.
    const early = await call(t.app, 'POST', '/api/v1/admin/users', { payload: '{not json', headers: { 'content-type': 'application/json' } });
    assert.equal(early.status, 401);
    // Refusals from one address are folded: the first is a row at once, the rest one counted row
    // when the window ends (docs/security.md, "Audit volume under abuse").
    await t.latchkey.audit.flush();
    const rows = await t.latchkey.database.db.selectFrom('audit_events').select(['type', 'outcome', 'surface', 'detail']).where('type', '=', 'admin_auth').execute();
    assert.ok(rows.length <= 2, `${rows.length} rows`);
    const counted = rows.reduce((sum, r) => sum + ((JSON.parse(r.detail ?? '{}') as { count?: number }).count ?? 1), 0);
    assert.equal(counted, attempts.length + 1);
    assert.ok(rows.every((r) => r.outcome === 'rejected' && r.surface === 'admin'));
    assert.ok(!t.logs.some((line) => line.includes(ADMIN_KEY.slice(0, 20))), 'the key never reaches the log');
  });

  it('creates accounts: with a password, or with a generated one returned once that logs in', async () => {
    const withPassword = await adminCall(t, 'POST', '/users', { username: 'alice', email: 'Alice@Example.com', password: PASSWORD });
    assert.equal(withPassword.status, 201, withPassword.text);
    assert.equal(withPassword.headers['cache-control'], 'no-store');
    const user = withPassword.body.result.user;
    assert.match(user.id, UUID);
    assert.deepEqual(
      { username: user.username, email: user.email, status: user.status, hasPassword: user.hasPassword, generated: withPassword.body.result.generatedPassword },
      { username: 'alice', email: 'Alice@Example.com', status: 'active', hasPassword: true, generated: null },
    );
    assert.ok(!withPassword.text.includes('argon2'), 'never a hash');
    assert.equal(await loginStatus(t, 'alice', PASSWORD), 200);

    const generated = await adminCall(t, 'POST', '/users', { email: 'bob@example.com' });
    assert.equal(generated.status, 201, generated.text);
    assert.equal(generated.body.result.user.username, null);
    const password = generated.body.result.generatedPassword as string;
    assert.match(password, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(await loginStatus(t, 'bob@example.com', password), 200);
    const shown = await adminCall(t, 'GET', `/users/${generated.body.result.user.id}`);
    assert.ok(!shown.text.includes(password), 'shown once, at creation');
  });

  it('refuses bad new accounts with 400 or 409 naming the field, never 500', async () => {
    const cases: Array<[unknown, number, string, string?]> = [
      [{ username: 'alice', password: PASSWORD }, 409, 'username_taken', 'username'],
      [{ username: 'alice2', email: 'ALICE@example.com' }, 409, 'email_taken', 'email'],
      [{ username: 'carol', password: 'password' }, 400, 'weak_password', 'password'],
      [{ username: 'carol', password: 'carol2024' }, 400, 'weak_password', 'password'],
      [{ password: PASSWORD }, 400, 'invalid_input', 'username'],
      [{}, 400, 'invalid_input', 'username'],
      [{ username: 'ca rol' }, 400, 'invalid_input', 'username'],
      [{ username: 'carol', email: 'not-an-email' }, 400, 'invalid_input', 'email'],
      [{ username: 'carol', role: 'admin' }, 400, 'invalid_input', 'role'],
      [{ username: 42 }, 400, 'invalid_input', 'username'],
      [{ username: 'carol', password: 'x'.repeat(1024) }, 400, 'invalid_input', 'password'],
      [['carol'], 400, 'invalid_input'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await adminCall(t, 'POST', '/users', body);
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.body.error.code, code, JSON.stringify(body));
      if (field) assert.equal(res.body.error.field, field, JSON.stringify(body));
    }
    const notJson = await call(t.app, 'POST', '/api/v1/admin/users', { payload: '{"username":', headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer('x') })).status, 401);
  });

  it('lists accounts newest first, a page at a time, by status and by username or email prefix', async () => {
    const ids: string[] = [];
    for (const name of ['page_1', 'page%2', 'page_3', 'pagex4']) {
      const res = await adminCall(t, 'POST', '/users', { username: name, email: `${name.replace('%', 'pc')}@list.example`, password: PASSWORD });
      assert.equal(res.status, 201, res.text);
      ids.push(res.body.result.user.id);
      t.clock.advance(1000);
    }
    const first = await adminCall(t, 'GET', '/users?search=PAGE&limit=3');
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.result.users.map((u: { username: string }) => u.username), ['pagex4', 'page_3', 'page%2']);
    assert.equal(first.body.result.next, ids[1]);
    const second = await adminCall(t, 'GET', `/users?search=page&limit=3&after=${first.body.result.next}`);
    assert.deepEqual(second.body.result.users.map((u: { username: string }) => u.username), ['page_1']);
    assert.equal(second.body.result.next, null);

    // _ and % in the search are themselves, not wildcards.
    const underscore = await adminCall(t, 'GET', '/users?search=page_');
    assert.deepEqual(underscore.body.result.users.map((u: { username: string }) => u.username), ['page_3', 'page_1']);
    const percent = await adminCall(t, 'GET', `/users?search=${encodeURIComponent('page%')}`);
    assert.deepEqual(percent.body.result.users.map((u: { username: string }) => u.username), ['page%2']);
    const byEmail = await adminCall(t, 'GET', '/users?search=PAGEPC');
    assert.deepEqual(byEmail.body.result.users.map((u: { username: string }) => u.username), ['page%2']);

    await adminCall(t, 'POST', `/users/${ids[0]}/disable`);
    const disabled = await adminCall(t, 'GET', '/users?status=disabled');
    assert.deepEqual(disabled.body.result.users.map((u: { id: string }) => u.id), [ids[0]]);
    await adminCall(t, 'POST', `/users/${ids[0]}/enable`);
    assert.ok(!(await adminCall(t, 'GET', '/users?limit=500')).text.includes('$argon2'), 'never a hash');
  });

  it('answers bad listing input with 400, never 500', async () => {
    for (const query of ['limit=0', 'limit=501', 'limit=ten', 'limit=-1', 'status=banned', 'after=not-an-id', 'after=00000000-0000-4000-8000-000000000000', 'search=a%20b', 'search=', 'extra=1', 'limit=1&limit=2']) {
      const res = await adminCall(t, 'GET', `/users?${query}`);
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.equal(res.body.error.code, 'invalid_input', query);
    }
    for (const query of ['failed=yes', 'failed=1', 'all=true']) {
      assert.equal((await adminCall(t, 'GET', `/outbox?${query}`)).status, 400, query);
    }
  });

  it('shows an account by id, username or email with its live sessions and last login; unknown is 404', async () => {
    await register(t.app, 'dave', PASSWORD);
    const before = await adminCall(t, 'GET', '/users/dave');
    assert.equal(before.status, 200, before.text);
    assert.equal(before.body.result.user.liveSessions, 0);
    assert.equal(before.body.result.user.lastLoginAt, null);
    const loginAt = t.clock.now();
    await login(t.app, 'dave', PASSWORD);
    await loginJar(t.app, 'dave', PASSWORD);
    const byId = await adminCall(t, 'GET', `/users/${before.body.result.user.id}`);
    assert.equal(byId.body.result.user.liveSessions, 2);
    assert.equal(byId.body.result.user.lastLoginAt, new Date(loginAt).toISOString());
    assert.equal((await adminCall(t, 'GET', '/users/DAVE')).body.result.user.id, before.body.result.user.id);
    assert.deepEqual(Object.keys(byId.body.result.user), [
      'id', 'username', 'email', 'status', 'hasPassword', 'emailVerifiedAt', 'createdAt', 'updatedAt', 'locale', 'liveSessions', 'lastLoginAt',
    ]);
    for (const ref of ['nobody', '00000000-0000-4000-8000-000000000000', encodeURIComponent('no body'), 'x'.repeat(200)]) {
      const res = await adminCall(t, 'GET', `/users/${ref}`);
      assert.equal(res.status, 404, ref);
      assert.equal(res.body.error.code, 'not_found');
    }
    const tooLong = await adminCall(t, 'GET', `/users/${'x'.repeat(201)}`);
    assert.deepEqual([tooLong.status, tooLong.body.ok], [414, false], 'past the router limit (200 characters): 414, still JSON');
  });

  it('disabling ends the access token, refresh token, cookie session and Basic login at once; enabling lets the user log in again', async () => {
    await register(t.app, 'erin', PASSWORD);
    const pair = await login(t.app, 'erin', PASSWORD);
    const jar = await loginJar(t.app, 'erin', PASSWORD);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 200);
    assert.equal((await action(t.app, jar, 'check_login')).status, 200);
    assert.equal((await call(t.app, 'GET', '/api/', { headers: basic('erin', PASSWORD) })).status, 200);

    const disabled = await adminCall(t, 'POST', '/users/erin/disable');
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.body.result.user.status, 'disabled');
    assert.equal(disabled.body.result.changed, true);
    assert.equal(disabled.body.result.sessionsEnded, 2);
    assert.equal((await adminCall(t, 'GET', '/users/erin')).body.result.user.liveSessions, 0, 'revoked, not only refused');

    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 401, 'access token');
    assert.equal((await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } })).status, 401, 'refresh token');
    assert.equal((await action(t.app, jar, 'check_login')).status, 401, 'cookie session');
    assert.equal((await call(t.app, 'GET', '/api/', { headers: basic('erin', PASSWORD) })).status, 401, 'HTTP Basic');
    const refused = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'erin', password: PASSWORD } });
    const wrong = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'erin', password: 'not the password' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.text, wrong.text, 'a disabled account gets the generic login failure');

    const again = await adminCall(t, 'POST', '/users/erin/disable');
    assert.deepEqual([again.status, again.body.result.changed, again.body.result.sessionsEnded], [200, false, 0]);

    const enabled = await adminCall(t, 'POST', '/users/erin/enable');
    assert.equal(enabled.status, 200, enabled.text);
    assert.deepEqual([enabled.body.result.user.status, enabled.body.result.changed], ['active', true]);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 401, 'old sessions stay ended');
    assert.equal((await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } })).status, 401);
    const fresh = await login(t.app, 'erin', PASSWORD);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(fresh.access) })).status, 200);
    const noop = await adminCall(t, 'POST', '/users/erin/enable');
    assert.deepEqual([noop.status, noop.body.result.changed], [200, false]);
    const audit = await t.latchkey.database.db
      .selectFrom('audit_events')
      .select(['type', 'surface'])
      .where('account_id', '=', disabled.body.result.user.id)
      .where('type', 'in', ['account_disable', 'account_enable'])
      .execute();
    assert.equal(audit.length, 3);
    assert.ok(audit.every((r) => r.surface === 'admin'));
  });

  it('set-password makes the old password fail and the new one work, ends every session and emails a notice', async () => {
    await adminCall(t, 'POST', '/users', { username: 'frank', email: 'frank@example.com', password: PASSWORD });
    const pair = await login(t.app, 'frank', PASSWORD);
    const set = await adminCall(t, 'PUT', '/users/frank/password', { password: NEW_PASSWORD });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual([set.body.result.generatedPassword, set.body.result.sessionsEnded], [null, 1]);
    assert.equal(await loginStatus(t, 'frank', PASSWORD), 401);
    assert.equal(await loginStatus(t, 'frank', NEW_PASSWORD), 200);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 401);
    assert.equal((await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } })).status, 401);
    assert.ok((await outbox(t)).some((m) => m.template === 'password_changed' && m.recipient === 'frank@example.com'));

    const generated = await adminCall(t, 'PUT', '/users/frank@example.com/password', {});
    assert.equal(generated.status, 200, generated.text);
    const password = generated.body.result.generatedPassword as string;
    assert.match(password, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(await loginStatus(t, 'frank', NEW_PASSWORD), 401);
    assert.equal(await loginStatus(t, 'frank', password), 200);

    for (const [body, code] of [[{ password: 'password1' }, 'weak_password'], [{ password: 'frank2024!' }, 'weak_password'], [{ password: 5 }, 'invalid_input'], [{ pw: 'x' }, 'invalid_input']] as const) {
      const res = await adminCall(t, 'PUT', '/users/frank/password', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, code);
    }
    assert.equal((await call(t.app, 'PUT', '/api/v1/admin/users/frank/password', { headers: bearer(ADMIN_KEY) })).status, 400, 'no body');
    assert.equal((await adminCall(t, 'PUT', '/users/nobody/password', { password: NEW_PASSWORD })).status, 404);
    assert.equal(await loginStatus(t, 'frank', password), 200, 'refused changes changed nothing');
  });

  it('ends every session of an account without touching the account', async () => {
    await register(t.app, 'gina', PASSWORD);
    const pair = await login(t.app, 'gina', PASSWORD);
    const jar = await loginJar(t.app, 'gina', PASSWORD);
    const res = await adminCall(t, 'DELETE', '/users/gina/sessions');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.body.result.sessionsEnded, res.body.result.user.status], [2, 'active']);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 401);
    assert.equal((await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } })).status, 401);
    assert.equal((await action(t.app, jar, 'check_login')).status, 401);
    assert.equal(await loginStatus(t, 'gina', PASSWORD), 200);
    assert.equal((await adminCall(t, 'DELETE', '/users/nobody/sessions')).status, 404);
  });

  it('deletes an account with its sessions, frees its name and emails the deletion notice', async () => {
    await adminCall(t, 'POST', '/users', { username: 'hank', email: 'hank@example.com', password: PASSWORD });
    const pair = await login(t.app, 'hank', PASSWORD);
    const res = await adminCall(t, 'DELETE', '/users/hank');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.result.user.username, 'hank');
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 401);
    assert.equal(await loginStatus(t, 'hank', PASSWORD), 401);
    assert.equal((await adminCall(t, 'GET', '/users/hank')).status, 404);
    assert.equal((await adminCall(t, 'DELETE', '/users/hank')).status, 404);
    assert.ok((await outbox(t)).some((m) => m.template === 'account_deleted' && m.recipient === 'hank@example.com'));
    assert.equal((await adminCall(t, 'POST', '/users', { username: 'hank', password: PASSWORD })).status, 201, 'the name is free again');
  });

  it('lists the outbox without message data and retries a failed message; a sent or unknown one is 404', async () => {
    await t.flushOutbox();
    await adminCall(t, 'PUT', '/users/alice/password', { password: NEW_PASSWORD });
    const db = t.latchkey.database.db;
    const queued = (await outbox(t)).find((m) => m.status === 'pending');
    assert.ok(queued, 'a pending message');
    await db.updateTable('outbox').set({ status: 'failed', attempts: 20, last_error: '550 mailbox unavailable' }).where('id', '=', queued.id).execute();

    const failed = await adminCall(t, 'GET', '/outbox?failed=true');
    assert.equal(failed.status, 200, failed.text);
    assert.deepEqual(failed.body.result.messages.map((m: { id: string }) => m.id), [queued.id]);
    const message = failed.body.result.messages[0];
    assert.deepEqual(Object.keys(message), ['id', 'template', 'recipient', 'status', 'attempts', 'createdAt', 'nextAttemptAt', 'sentAt', 'lastError']);
    assert.deepEqual([message.status, message.attempts, message.nextAttemptAt, message.lastError], ['failed', 20, null, '550 mailbox unavailable']);

    const retried = await adminCall(t, 'POST', `/outbox/${queued.id}/retry`);
    assert.equal(retried.status, 200, retried.text);
    assert.deepEqual(retried.body.result, { id: queued.id, retried: true });
    const row = await db.selectFrom('outbox').select(['status', 'attempts']).where('id', '=', queued.id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'pending', attempts: 0 });
    assert.equal(await t.flushOutbox(), 1);

    assert.equal((await adminCall(t, 'POST', `/outbox/${queued.id}/retry`)).status, 404, 'sent: nothing to retry');
    assert.equal((await adminCall(t, 'POST', '/outbox/00000000-0000-4000-8000-000000000000/retry')).status, 404);
    assert.equal((await adminCall(t, 'POST', '/outbox/bad;id/retry')).status, 400);
    const all = await adminCall(t, 'GET', '/outbox');
    assert.ok(!/"data"|"token"/.test(all.text), 'no message data');
  });

  it('documents every admin route in the OpenAPI document with the adminKey scheme', async () => {
    const res = await call(t.app, 'GET', '/openapi.json');
    assert.equal(res.status, 200);
    const result = await new Validator().validate(res.body);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    const ops = Object.entries(res.body.paths as Record<string, Record<string, any>>)
      .filter(([path]) => path.startsWith('/api/v1/admin'))
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
    assert.deepEqual(ops.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort(), [
      'DELETE /api/v1/admin/clients/{id}',
      'DELETE /api/v1/admin/users/{id}',
      'DELETE /api/v1/admin/users/{id}/app-passwords/{appPasswordId}',
      'DELETE /api/v1/admin/users/{id}/sessions',
      'GET /api/v1/admin/clients',
      'GET /api/v1/admin/export',
      'GET /api/v1/admin/outbox',
      'GET /api/v1/admin/users',
      'GET /api/v1/admin/users/{id}',
      'GET /api/v1/admin/users/{id}/app-passwords',
      'POST /api/v1/admin/clients',
      'POST /api/v1/admin/import',
      'POST /api/v1/admin/outbox/{id}/retry',
      'POST /api/v1/admin/users',
      'POST /api/v1/admin/users/{id}/disable',
      'POST /api/v1/admin/users/{id}/enable',
      'POST /api/v1/admin/users/{id}/mfa-reset',
      'PUT /api/v1/admin/users/{id}/password',
      'PUT /api/v1/admin/users/{id}/username',
    ]);
    for (const { op } of ops) {
      assert.deepEqual(op.tags, ['admin']);
      assert.deepEqual(op.security, [{ adminKey: [] }]);
      assert.ok(op.summary);
      assert.ok(op.responses['401']);
    }
  });
});
