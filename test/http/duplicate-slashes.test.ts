/**
 * Runs of slashes in a path are merged before routing on every surface (`/api//account` is
 * `/api/account`), as nginx merges them by default; the route labels of the metrics and the
 * answers see the merged path. src/http/request-url.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeRequestUrl } from '../../src/http/request-url.js';
import { basic } from '../basic/seed-curl.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const TOKEN = 'scrape-token-0123456789abcdef';

describe('normalizeRequestUrl', () => {
  it('merges runs of slashes in the path and decodes escaped unreserved characters only', () => {
    const cases: Array<[string, string]> = [
      ['/api//account', '/api/account'],
      ['//api///account/', '/api/account/'],
      ['/%61pi/%7Euser/%2D%2e%5F', '/api/~user/-._'],
      ['/api/%2F%2Faccount', '/api/%2F%2Faccount'], // an escaped slash is not a slash
      ['/api/%00/%25/%20/%C3%A9', '/api/%00/%25/%20/%C3%A9'], // NUL, %, space, non-ASCII: as sent
      ['/%2561pi/', '/%2561pi/'], // decoded once, never twice
      ['/reset//x?next=//a%61&x=%2F', '/reset/x?next=//a%61&x=%2F'], // the query is left as sent
      ['/api#//x', '/api#//x'],
      ['//api#//x', '/api#//x'],
      ['http://accounts.example.com//api/?a=1', '/api/?a=1'],
      ['HTTPS://accounts.example.com', '/'],
      ['http://accounts.example.com?a=1', '/?a=1'],
      ['http://h/api#/x', 'http://h/api#/x'], // left to the router, which refuses it
      ['*', '*'],
      ['/', '/'],
      ['/api/', '/api/'],
    ];
    for (const [input, expected] of cases) assert.equal(normalizeRequestUrl(input), expected, input);
  });

  it('leaves an already normal URL as it is', () => {
    const url = '/api/v1/account/me?x=1';
    assert.equal(normalizeRequestUrl(url), url);
  });
});

describe('duplicate slashes on every surface', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { METRICS_TOKEN: TOKEN } });
  });
  after(() => t.close());

  it('routes doubled slashes on the Basic, cookie and JSON APIs, the pages and the health checks', async () => {
    const created = await call(t.app, 'POST', '/api//account', { json: { username: 'slash@example.com', password: 'a long enough passphrase' } });
    assert.equal(created.status, 201, created.text);
    assert.equal((await call(t.app, 'GET', '//api//', { headers: basic('slash@example.com', 'a long enough passphrase') })).status, 200);
    const cookie = await call(t.app, 'POST', '/accounts//action//?do=check_login', { json: {} });
    assert.equal(cookie.status, 401, cookie.text);
    assert.equal(cookie.body.error.code, 'not_authenticated');
    const jwtApi = await call(t.app, 'GET', '/api/v1//account///me');
    assert.equal(jwtApi.status, 401, jwtApi.text);
    assert.equal((await t.app.inject({ method: 'GET', url: '//login' })).statusCode, 200);
    assert.equal((await call(t.app, 'GET', '//healthz')).status, 200);
  });

  it('answers 404 and 405 naming the merged path', async () => {
    const missing = await call(t.app, 'GET', '/api//nothing//here?q=//x');
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /GET \/api\/nothing\/here$/);
    const wrong = await call(t.app, 'PUT', '/api//account');
    assert.equal(wrong.status, 405);
  });

  it('labels the metrics with the route template, never "unmatched", for a doubled-slash request', async () => {
    const metrics = async () => (await call(t.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).text;
    const line = (text: string, method: string, route: string, status: number) =>
      text.split('\n').find((l) => l.startsWith(`latchkey_http_requests_total{`) && l.includes(`method="${method}"`) && l.includes(`route="${route}"`) && l.includes(`status="${status}"`));
    const count = (text: string, method: string, route: string, status: number) => Number(line(text, method, route, status)?.split(' ').at(-1) ?? 0);
    const before = await metrics();
    assert.equal((await call(t.app, 'DELETE', '//api//account', { headers: basic('slash@example.com', 'a long enough passphrase') })).status, 200);
    const afterwards = await metrics();
    assert.equal(count(afterwards, 'DELETE', '/api/account', 200) - count(before, 'DELETE', '/api/account', 200), 1);
    assert.equal(count(afterwards, 'DELETE', 'unmatched', 404), count(before, 'DELETE', 'unmatched', 404));
  });
});
