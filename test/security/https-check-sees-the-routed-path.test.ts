/**
 * Under an https PUBLIC_URL, a request marked as plain HTTP (`X-Forwarded-Proto: http`) is judged
 * on the path the router serves, not on the bytes of the request line: `%61` is `a`, `//` is `/`,
 * and an absolute-form target is its path. Spelling an API path differently must not turn its
 * refusal (403 `https_required`) into a redirect (301) that teaches the client plain HTTP works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const PLAIN = { 'x-forwarded-proto': 'http' };

describe('the https check sees the decoded, normalized path the router uses', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { PUBLIC_URL: 'https://accounts.example.com' } });
  });
  after(() => t.close());

  it('refuses GET /%61pi/ over plain HTTP exactly like GET /api/', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/api/', headers: PLAIN });
    assert.equal(plain.statusCode, 403);
    assert.equal(plain.json().error, 'https_required');
    for (const url of ['/%61pi/', '/%61%70%69/', '/ap%69/', '//api/', '/api//', '/api#x', 'http://accounts.example.com/api/']) {
      const res = await t.app.inject({ method: 'GET', url, headers: PLAIN });
      assert.equal(res.statusCode, 403, `${url}: ${res.statusCode} ${String(res.headers.location ?? '')}`);
      assert.equal(res.headers.location, undefined, url);
      assert.equal(res.body, plain.body, url);
    }
  });

  it('refuses the cookie API and the JSON API spelled with escapes or doubled slashes', async () => {
    for (const url of ['/%61ccounts/action/?do=check_login', '//accounts//action/?do=check_login', '/%61pi/v1/account/me']) {
      const res = await t.app.inject({ method: 'GET', url, headers: PLAIN });
      assert.equal(res.statusCode, 403, url);
      assert.match(res.body, /https_required/, url);
    }
  });

  it('over https the same spellings reach the route they name', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/%61pi/', headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.headers['www-authenticate'], 'Basic realm="latchkey"');
  });

  it('still redirects a page GET over plain HTTP, to the normalized path', async () => {
    const res = await t.app.inject({ method: 'GET', url: '//%72eset?x=1', headers: PLAIN });
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, 'https://accounts.example.com/reset?x=1');
  });
});
