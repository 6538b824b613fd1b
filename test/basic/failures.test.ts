/** Every failure of the Basic dialect: bad bodies, malformed credentials (docs/security.md#sec-23), wrong account, cross-site use. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { call, type JsonResponse } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { basic, createBody, curlCheck, curlCreate } from './seed-curl.js';

const json = { 'content-type': 'application/json' };

function assert400(res: JsonResponse, field?: string): void {
  assert.equal(res.status, 400, res.text);
  assert.equal(typeof res.body.error, 'string');
  assert.equal(typeof res.body.message, 'string');
  if (field !== undefined) assert.equal(res.body.field, field, res.text);
}

describe('Basic dialect: creating accounts with bad input', () => {
  let t: TestInstance;
  const create = (body: unknown) => call(t.app, 'POST', '/api/account', { json: body });
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    assert.equal((await curlCreate(t.app)).status, 201);
  });
  after(() => t.close());

  it('a missing or mistyped field is 400 naming it', async () => {
    assert400(await create({ password: 'romeo-forever' }), 'username');
    assert400(await create({ username: 'a@example.com' }), 'password');
    assert400(await create({ username: 7, password: 'romeo-forever' }), 'username');
    assert400(await create({ username: 'a@example.com', password: 'romeo-forever', email: ['x'] }), 'email');
    assert400(await create({ username: 'a@example.com', password: 'romeo-forever', is_staff: true }), 'is_staff');
  });

  it('a username that is not user@domain is 400 naming username', async () => {
    for (const username of ['juliet', '@example.com', 'juliet@', 'a@localhost', 'a@b@example.com', 'a b@example.com', 'a@exa mple.com', 'a@-x.com', 'a@x..com']) {
      assert400(await create({ username, password: 'romeo-forever' }), 'username');
    }
  });

  it('SEC-2 a username or password over 1023 bytes is 400, even when under 1023 characters', async () => {
    assert400(await create({ username: `${'é'.repeat(600)}@example.com`, password: 'romeo-forever' }), 'username');
    assert400(await create({ username: 'long@example.com', password: 'é'.repeat(600) }), 'password');
    assert400(await create({ username: 'long@example.com', password: 'x'.repeat(1024) }), 'password');
    const max = await create({ username: 'long@example.com', password: 'correct horse battery staple '.repeat(40).slice(0, 1023) });
    assert.equal(max.status, 201, max.text);
  });

  it('SEC-1 a short password is 400 naming password; a bad email is 400 naming email', async () => {
    assert400(await create({ username: 'short@example.com', password: 'seven77' }), 'password');
    assert400(await create({ username: 'bademail@example.com', password: 'romeo-forever', email: 'not-an-email' }), 'email');
  });

  it('SEC-15 a taken username (in any case) or email is 409', async () => {
    const again = await curlCreate(t.app, createBody('Juliet@BuddyCloud.com', 'other-password', 'other@example.com'));
    assert.equal(again.status, 409, again.text);
    assert.equal(again.body.error, 'username_taken');
    const email = await create({ username: 'juliet2@buddycloud.com', password: 'romeo-forever', email: 'JULIET@buddycloud.com' });
    assert.equal(email.status, 409, email.text);
  });

  it('SEC-60 bodies that are not a JSON object are 400 or 415, never 500', async () => {
    const post = (payload: string | Buffer, headers: Record<string, string> = json) => call(t.app, 'POST', '/api/account', { payload, headers });
    assert400(await post('{"username": "x@example.com", '));
    assert400(await post('[1,2]'));
    assert400(await post('"text"'));
    assert400(await post(''));
    assert400(await post('{"username": "p@example.com", "password": "romeo-forever", "__proto__": {"x": 1}}'));
    assert400(await post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])));
    assert400(await post('{ \\ "username": "x@example.com" }'), undefined);
    assert.equal((await post('username=x', { 'content-type': 'application/x-www-form-urlencoded' })).status, 415);
    assert.equal((await post('{}', { 'content-type': 'text/plain' })).status, 415);
  });

  it('a backslash-newline inside a string is not a line continuation', async () => {
    const res = await call(t.app, 'POST', '/api/account', { headers: json, payload: '{"username": "cont@example.com", "password": "romeo\\\nforever"}' });
    assert400(res);
  });
});

describe('Basic dialect: ACCOUNT_DOMAINS', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { ACCOUNT_DOMAINS: 'buddycloud.com, example.org' } });
  });
  after(() => t.close());

  it('accepts only the listed domains, compared case-insensitively', async () => {
    assert.equal((await curlCreate(t.app, createBody('juliet@BuddyCloud.COM'))).status, 201);
    assert.equal((await curlCreate(t.app, createBody('romeo@example.org'))).status, 201);
    const other = await curlCreate(t.app, createBody('tybalt@example.com'));
    assert400(other, 'username');
    assert.match(other.body.message, /domain/);
  });

  it('a malformed ACCOUNT_DOMAINS stops start-up with one line naming it', () => {
    for (const value of ['not a domain', 'localhost', 'example.com,-bad.com', 'a@b.com']) {
      assert.throws(() => loadConfig({ ACCOUNT_DOMAINS: value }), (err: unknown) => err instanceof ConfigError && /^ACCOUNT_DOMAINS /.test(err.message));
    }
    assert.deepEqual(loadConfig({ ACCOUNT_DOMAINS: ' Example.com ,buddycloud.com' }).accountDomains, ['example.com', 'buddycloud.com']);
    assert.equal(loadConfig({}).accountDomains, null);
  });
});

describe('Basic dialect: credentials', () => {
  let t: TestInstance;
  let unauthorized: JsonResponse;
  const check = (authorization?: string) => call(t.app, 'GET', '/api/', { headers: authorization === undefined ? {} : { authorization } });
  const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64');
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    assert.equal((await curlCreate(t.app, createBody('juliet@buddycloud.com', 'romeo:for:ever'))).status, 201);
    unauthorized = await curlCheck(t.app, 'juliet@buddycloud.com', 'wrong');
  });
  after(() => t.close());

  it('SEC-23 RFC 7617: splits at the first colon, so a password may contain colons; the user-id is case-insensitive', async () => {
    assert.equal((await curlCheck(t.app, 'juliet@buddycloud.com', 'romeo:for:ever')).status, 200);
    assert.equal((await curlCheck(t.app, 'Juliet@BuddyCloud.com', 'romeo:for:ever')).status, 200);
    assert.equal((await check(`basic ${b64('juliet@buddycloud.com:romeo:for:ever')}`)).status, 200);
  });

  it('SEC-23 missing or malformed credentials are 401 with WWW-Authenticate and the same body as a wrong password', async () => {
    assert.equal(unauthorized.status, 401);
    const cases: Array<string | undefined> = [
      undefined,
      '',
      'Basic',
      'Basic ',
      'Basic !!!',
      `Basic ${b64('nocolon')}`,
      `Basic ${b64(':romeo:for:ever')}`,
      `Basic ${b64('juliet@buddycloud.com:romeo:for:ever')}x`,
      `Basic ${b64('juliet@buddycloud.com:romeo:for:ever').replace(/=+$/, '')}==`,
      `Basic ${'A'.repeat(10 * 1024)}`,
      `Basic ${b64(`juliet@buddycloud.com:${'x'.repeat(10 * 1024)}`)}`,
      `Basic ${b64(Buffer.from([0x6a, 0xff, 0xfe, 0x3a, 0x61, 0x62]))}`,
      `Basic ${b64(Buffer.from('juliet@buddycloud.com:romeo\u0000'))}`,
      `Basic ${b64('juli\u0007et@buddycloud.com:romeo:for:ever')}`,
      `Bearer ${b64('juliet@buddycloud.com:romeo:for:ever')}`,
      `Digest username="juliet"`,
      'Basic \u00ff\u00fe',
    ];
    for (const header of cases) {
      const res = await check(header);
      assert.equal(res.status, 401, `${String(header).slice(0, 40)}: ${res.text}`);
      assert.equal(res.headers['www-authenticate'], 'Basic realm="latchkey"');
      assert.equal(res.text, unauthorized.text);
    }
  });

  it('SEC-23 raw non-UTF-8 bytes in the header are 401, never 500', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/', headers: { authorization: Buffer.from([0x42, 0x61, 0x73, 0x69, 0x63, 0x20, 0xc3, 0x28]).toString('latin1') } });
    assert.equal(res.statusCode, 401);
  });

  it('SEC-10 a pending (email sign-up, unconfirmed) account cannot use Basic', async () => {
    await t.service.signUpWithEmail({ email: 'pending@buddycloud.com' });
    assert.equal((await curlCheck(t.app, 'pending@buddycloud.com', '')).status, 401);
  });
});

describe('Basic dialect: change password and delete refuse the wrong caller', () => {
  let t: TestInstance;
  const juliet = basic('juliet@buddycloud.com', 'romeo-forever');
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    assert.equal((await curlCreate(t.app)).status, 201);
    assert.equal((await curlCreate(t.app, createBody('romeo@buddycloud.com', 'juliet-forever'))).status, 201);
  });
  after(() => t.close());

  it('the body username must be the authenticated account (403 otherwise), compared normalized', async () => {
    const other = await call(t.app, 'POST', '/api/account/pw/change', { headers: juliet, json: { username: 'romeo@buddycloud.com', password: 'stolen-password' } });
    assert.equal(other.status, 403, other.text);
    assert.equal(other.body.error, 'forbidden');
    assert.equal((await curlCheck(t.app, 'romeo@buddycloud.com', 'juliet-forever')).status, 200);
    const same = await call(t.app, 'POST', '/api/account/pw/change', { headers: juliet, json: { username: 'JULIET@buddycloud.com', password: 'romeo-forever-2' } });
    assert.equal(same.status, 200, same.text);
  });

  it('SEC-56 without valid credentials it is 401; with a bad new password 400', async () => {
    const none = await call(t.app, 'POST', '/api/account/pw/change', { json: { username: 'juliet@buddycloud.com', password: 'whatever-long' } });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="latchkey"');
    const auth = basic('juliet@buddycloud.com', 'romeo-forever-2');
    assert400(await call(t.app, 'POST', '/api/account/pw/change', { headers: auth, json: { username: 'juliet@buddycloud.com', password: 'short' } }), 'password');
    assert400(await call(t.app, 'POST', '/api/account/pw/change', { headers: auth, json: { username: 'juliet@buddycloud.com' } }), 'password');
    assert400(await call(t.app, 'POST', '/api/account/pw/reset', { json: {} }), 'username');
  });

  it('SEC-23 a cross-site request cannot change or delete an account with Basic credentials', async () => {
    const auth = basic('romeo@buddycloud.com', 'juliet-forever');
    const crossSite: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }];
    for (const extra of crossSite) {
      const del = await call(t.app, 'DELETE', '/api/account', { headers: { ...auth, ...extra } });
      assert.equal(del.status, 403, del.text);
      const change = await call(t.app, 'POST', '/api/account/pw/change', { headers: { ...auth, ...extra }, json: { username: 'romeo@buddycloud.com', password: 'evil-password' } });
      assert.equal(change.status, 403, change.text);
    }
    assert.equal((await curlCheck(t.app, 'romeo@buddycloud.com', 'juliet-forever')).status, 200);
    const sameOrigin = await call(t.app, 'DELETE', '/api/account', { headers: { ...auth, origin: 'http://localhost:3000' } });
    assert.equal(sameOrigin.status, 200, sameOrigin.text);
  });

  it('the JWT API paths are untouched by the dialect', async () => {
    const res = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'juliet@buddycloud.com', password: 'romeo-forever-2' } });
    assert.equal(res.status, 200, res.text);
    assert.equal((await call(t.app, 'GET', '/api/nothing-here')).status, 404);
  });
});
