/**
 * The buddycloud clients of the Basic API, replayed as they send their requests:
 *
 * - buddycloud-http-api's own test client (its password change and reset tests) builds each
 *   request with Node's `http.request({ path, auth, method: 'POST', host, port })`, writes a
 *   `JSON.stringify` body and never sets a Content-Type: Node sends `Host`, `Authorization`,
 *   `Connection` and `Transfer-Encoding: chunked`, nothing else. Replayed here the same way, over
 *   a real socket. Its paths are relative to the API root (`/account/pw/change` is our
 *   `/api/account/pw/change`), and its accounts are XMPP addresses with a resource
 *   (`alice@localhost/http`), so ours is `alice@buddycloud.example`.
 * - The buddycloud webclient joins its configured base URL, which ends in `/api/`, and `account`
 *   with a `/`: it registers with `POST /api//account` (jQuery, `contentType: 'application/json'`)
 *   and deletes with `DELETE /api//account` (`contentType: false`, so no Content-Type; Basic
 *   credentials set by hand), from a page on PUBLIC_URL's origin. jQuery parses a JSON answer,
 *   so each success must be JSON.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { basic } from './seed-curl.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** buddycloud-http-api's test `post(options)`: Node's http.request, the body written as is, no Content-Type. */
function upstreamPost(base: URL, path: string, body: string, auth?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ path, method: 'POST', host: base.hostname, port: base.port, ...(auth !== undefined ? { auth } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.write(body);
    req.end();
  });
}

const ORIGIN = 'http://localhost:3000';
/** What Chromium adds to the webclient's same-origin jQuery requests. */
const BROWSER = {
  accept: '*/*',
  'accept-language': 'en-US,en;q=0.9',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  origin: ORIGIN,
  referer: `${ORIGIN}/`,
  'sec-fetch-site': 'same-origin',
  'sec-fetch-mode': 'cors',
  'sec-fetch-dest': 'empty',
};

describe('buddycloud-http-api test client: JSON bodies without a Content-Type', () => {
  let t: TestInstance;
  let base: URL;
  const password = 'alice in wonderland';
  before(async () => {
    t = await createTestInstance();
    await t.service.registerDomainAccount({ username: 'alice@buddycloud.example', password, email: 'alice@example.com' });
    await t.service.registerDomainAccount({ username: 'bob@buddycloud.example', password: 'bob builds things', email: 'bob@example.com' });
    base = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
  });
  after(() => t.close());

  it('the replayed client sends exactly Host, Authorization, Connection and a chunked body: no Content-Type', async () => {
    let seen: string[] = [];
    const capture = createServer((req, res) => {
      seen = req.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
      req.resume().on('end', () => res.end('{}'));
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    try {
      const address = capture.address() as AddressInfo;
      await upstreamPost(new URL(`http://127.0.0.1:${address.port}`), '/account/pw/change', JSON.stringify({ username: 'u', password: 'p' }), 'alice@localhost/http:alice');
    } finally {
      capture.closeAllConnections();
      await new Promise((resolve) => capture.close(resolve));
    }
    assert.deepEqual(seen.sort(), ['authorization', 'connection', 'host', 'transfer-encoding']);
  });

  it('"should not allow an unauthenticated user to change its password": 401', async () => {
    const res = await upstreamPost(base, '/api/account/pw/change', JSON.stringify({ username: 'alice@buddycloud.example', password: 'password' }));
    assert.equal(res.status, 401, res.body);
    assert.equal(res.headers['www-authenticate'], 'Basic realm="latchkey"');
  });

  it('"should not allow a bad request": 400 naming the missing field', async () => {
    const res = await upstreamPost(base, '/api/account/pw/change', JSON.stringify({ username: 'alice@buddycloud.example' }), `alice@buddycloud.example:${password}`);
    assert.equal(res.status, 400, res.body);
    assert.equal(JSON.parse(res.body).field, 'password');
  });

  it('"should return 403" for another user\'s name (refused by design, as upstream\'s server did)', async () => {
    const res = await upstreamPost(base, '/api/account/pw/change', JSON.stringify({ username: 'bob@buddycloud.example', password: 'a brand new password' }), `alice@buddycloud.example:${password}`);
    assert.equal(res.status, 403, res.body);
    assert.equal((await call(t.app, 'GET', '/api/', { headers: basic('bob@buddycloud.example', 'bob builds things') })).status, 200);
  });

  it('"should change the users password": 200 {}, and only the new password works', async () => {
    const res = await upstreamPost(base, '/api/account/pw/change', JSON.stringify({ username: 'alice@buddycloud.example', password: 'a brand new password' }), `alice@buddycloud.example:${password}`);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.body, '{}');
    assert.equal((await call(t.app, 'GET', '/api/', { headers: basic('alice@buddycloud.example', password) })).status, 401);
    assert.equal((await call(t.app, 'GET', '/api/', { headers: basic('alice@buddycloud.example', 'a brand new password') })).status, 200);
  });

  it('password reset: {} is a 400 naming the field; {"username"} is 200 {} (credentials sent along are ignored)', async () => {
    const bad = await upstreamPost(base, '/api/account/pw/reset', JSON.stringify({}), 'alice@buddycloud.example:a brand new password');
    assert.equal(bad.status, 400, bad.body);
    assert.equal(JSON.parse(bad.body).field, 'username');
    const ok = await upstreamPost(base, '/api/account/pw/reset', JSON.stringify({ username: 'alice@buddycloud.example' }), 'alice@buddycloud.example:a brand new password');
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.body, '{}');
    const unknown = await upstreamPost(base, '/api/account/pw/reset', JSON.stringify({ username: 'nobody@buddycloud.example' }));
    assert.equal(unknown.status, 200);
    assert.equal(unknown.body, ok.body);
  });

  it('a body without Content-Type that is not JSON is a 400 that says so', async () => {
    const res = await upstreamPost(base, '/api/account/pw/reset', 'username=alice@buddycloud.example');
    assert.equal(res.status, 400, res.body);
    assert.deepEqual(JSON.parse(res.body), {
      error: 'invalid_json',
      message: 'the request body has no Content-Type, so it is read as JSON, and it is not valid JSON',
    });
  });
});

describe('buddycloud webclient: POST and DELETE /api//account', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance();
  });
  after(() => t.close());

  it('registers through POST /api//account with 201 and a JSON account', async () => {
    const res = await call(t.app, 'POST', '/api//account', {
      headers: { ...BROWSER, 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' },
      payload: JSON.stringify({ username: 'juliet@buddycloud.example', password: 'romeo forever and ever', email: 'juliet@example.com' }),
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual({ ...res.body, id: 'x' }, { id: 'x', username: 'juliet@buddycloud.example', email: 'juliet@example.com' });
  });

  it('the credentials work on GET /api/ (200 {"id","username"}) and on its root URL GET /api//', async () => {
    for (const url of ['/api/', '/api//']) {
      const res = await call(t.app, 'GET', url, { headers: { ...BROWSER, ...basic('juliet@buddycloud.example', 'romeo forever and ever') } });
      assert.equal(res.status, 200, `${url}: ${res.text}`);
      assert.deepEqual(Object.keys(res.body), ['id', 'username']);
    }
  });

  it('deletes through DELETE /api//account (no Content-Type, Basic by hand) with 200 {}', async () => {
    const res = await call(t.app, 'DELETE', '/api//account', { headers: { ...BROWSER, ...basic('juliet@buddycloud.example', 'romeo forever and ever') } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '{}');
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal((await call(t.app, 'GET', '/api/', { headers: basic('juliet@buddycloud.example', 'romeo forever and ever') })).status, 401);
  });
});
