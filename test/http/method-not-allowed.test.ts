/** SEC-63: a known path with the wrong method answers 405 with Allow; TRACE and unknown paths are refused without harm. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

describe('wrong methods', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  it('SEC-63 answers 405 with Allow for a known path and another method', async () => {
    const login = await call(t.app, 'GET', '/api/v1/account/login');
    assert.equal(login.status, 405);
    assert.equal(login.headers.allow, 'POST');
    assert.equal(login.body.error.code, 'method_not_allowed');
    const logout = await call(t.app, 'POST', '/api/v1/account/logout');
    assert.equal(logout.status, 405);
    assert.equal(logout.headers.allow, 'DELETE');
    const refresh = await call(t.app, 'DELETE', '/api/v1/account/refresh');
    assert.equal(refresh.headers.allow, 'GET, POST');
  });

  it('SEC-63 HEAD on the refresh route is 405 and leaves the refresh token unrotated', async () => {
    await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'header', password: 'a long enough password' } });
    const login = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'header', password: 'a long enough password' } });
    const refresh = login.body.result.token.refresh as string;
    const head = await t.app.inject({ method: 'HEAD', url: '/api/v1/account/refresh', headers: { authorization: `Bearer ${refresh}` } });
    assert.equal(head.statusCode, 405);
    assert.equal(head.headers.allow, 'GET, POST');
    const rotated = await call(t.app, 'GET', '/api/v1/account/refresh', { headers: { authorization: `Bearer ${refresh}` } });
    assert.equal(rotated.status, 200, 'the token was not spent by the HEAD request');
  });

  it('SEC-63 refuses TRACE and unknown paths with a JSON 4xx, and stays healthy', async () => {
    const trace = await t.app.inject({ method: 'TRACE' as never, url: '/api/v1/account/me' });
    assert.ok(trace.statusCode >= 400 && trace.statusCode < 500, String(trace.statusCode));
    const unknown = await call(t.app, 'GET', '/nowhere');
    assert.equal(unknown.status, 404);
    assert.equal((await call(t.app, 'GET', '/healthz')).status, 200);
  });
});
