/**
 * SEC-60 regression (found by the fuzzer on PostgreSQL): a NUL character in a field reached the
 * database, which refuses it in text, and came back as a 500. Every JSON body and form is now
 * refused with a 400 before any route sees it; an escaped backslash before "u0000" is not a NUL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

describe('SEC-60 NUL characters in input', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  it('SEC-60 a \\u0000 in a JSON field is a 400 on every surface, never a 500', async () => {
    const payload = String.raw`{"username":"a\u0000b","password":"a long enough password"}`;
    for (const url of ['/api/account/pw/reset', '/api/v1/account/login', '/api/v1/account/register', '/accounts/action/?do=login']) {
      const res = await call(t.app, 'POST', url, { payload, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
    }
    const reset = await call(t.app, 'POST', '/api/account/pw/reset', { payload: String.raw`{"username":"\u0000"}`, headers: { 'content-type': 'application/json' } });
    assert.match(JSON.stringify(reset.body), /NUL/);
  });

  it('SEC-60 an escaped backslash followed by u0000 is ordinary text', async () => {
    const payload = String.raw`{"username":"back\\u0000slash","password":"a long enough password"}`;
    const res = await call(t.app, 'POST', '/api/v1/account/register', { payload, headers: { 'content-type': 'application/json' } });
    assert.notEqual(res.status, 500);
    assert.doesNotMatch(JSON.stringify(res.body), /NUL/);
  });

  it('SEC-60 a %00 in a path or query is a 400 in the surface\'s format', async () => {
    const api = await call(t.app, 'GET', '/api/v1/account/sessions/%00');
    assert.equal(api.status, 400);
    assert.equal(api.body.ok, false);
    const page = await t.app.inject({ method: 'GET', url: '/confirm?token=%00abc' });
    assert.equal(page.statusCode, 400);
    assert.match(String(page.headers['content-type']), /text\/html/);
  });

  it('SEC-60 a %00 in a form field is a 400 page', async () => {
    const jar = new CookieJar();
    const csrf = hiddenField((await getPage(t.app, jar, '/reset')).text, 'csrf');
    const res = await postForm(t.app, jar, '/reset', { csrf, identifier: 'someone\u0000' });
    assert.equal(res.status, 400);
    assert.match(String(res.headers['content-type']), /text\/html/);
  });
});
