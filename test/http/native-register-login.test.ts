import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

describe('JWT accounts API: register and login (argon2id)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance();
  });
  after(async () => {
    await t.close();
  });

  it('registers with the seed body and answers {"ok":true,"result":{}}', async () => {
    const res = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'john@API', password: 'honeyBunnies' } });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"ok":true,"result":{}}');
  });

  it('logs in and the access token opens /me', async () => {
    const login = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'john@API', password: 'honeyBunnies' } });
    assert.equal(login.status, 200);
    assert.equal(login.body.ok, true);
    const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(login.body.result.token.access) });
    assert.equal(me.status, 200);
    assert.equal(me.body.result.username, 'john@API');
  });
});
