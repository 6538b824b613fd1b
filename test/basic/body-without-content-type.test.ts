/**
 * The Basic API reads a body sent with no Content-Type as JSON. A page on another site can send
 * such a body without a CORS preflight (fetch or XMLHttpRequest with a Blob of no type or an
 * ArrayBuffer, navigator.sendBeacon with such a Blob), so every request with a body that a
 * browser marks as cross-site is refused with 403, whatever its Content-Type, before the body is
 * read; text/plain and form bodies from anyone else stay 415. docs/decisions.md, "Basic API:
 * bodies without a Content-Type".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { basic } from './seed-curl.js';

const EVIL = 'https://evil.example';
const LISTED = 'https://app.example.com';
const OWN = 'http://localhost:3000';

/** What browsers add to a request a page of another site sends (the shapes the header says). */
const CROSS_SITE: Array<[string, Record<string, string>]> = [
  ['fetch/sendBeacon from another site', { origin: EVIL, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }],
  ['a page hiding its origin (Origin: null)', { origin: 'null', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }],
  ['Origin: null without Sec-Fetch-Site (plain-http origins)', { origin: 'null' }],
  ['a foreign Origin without Sec-Fetch-Site', { origin: EVIL }],
  ['only Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ['a foreign Referer without Origin', { referer: `${EVIL}/page` }],
];

/** Body types a page can send without a preflight, and JSON (which needs one). */
const BODIES: Array<[string, Record<string, string>]> = [
  ['no Content-Type', {}],
  ['text/plain', { 'content-type': 'text/plain;charset=UTF-8' }],
  ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
  ['JSON', { 'content-type': 'application/json' }],
];

function account(n: number): { username: string; password: string } {
  return { username: `user${n}@buddycloud.example`, password: 'a long enough passphrase' };
}

describe('Basic API: bodies without a Content-Type', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { CORS_ORIGINS: LISTED } });
  });
  after(() => t.close());

  it('refuses every cross-site request with a body with 403, whatever its type, and creates nothing', async () => {
    let n = 0;
    for (const [who, site] of CROSS_SITE) {
      for (const [type, contentType] of BODIES) {
        const creds = account((n += 1));
        const res = await call(t.app, 'POST', '/api/account', { headers: { ...site, ...contentType }, payload: JSON.stringify(creds) });
        assert.equal(res.status, 403, `${who}, ${type}: ${res.text}`);
        assert.equal(res.body.error, 'forbidden', `${who}, ${type}`);
        const later = await call(t.app, 'POST', '/api/account', { json: creds });
        assert.equal(later.status, 201, `${who}, ${type}: the refused request created no account (${later.text})`);
      }
      const reset = await call(t.app, 'POST', '/api/account/pw/reset', { headers: site, payload: '{"username": "someone@buddycloud.example"}' });
      assert.equal(reset.status, 403, `${who}: reset`);
    }
  });

  it('reads a body without Content-Type as JSON for a client that is not a page of another site', async () => {
    const sources: Array<[string, Record<string, string>]> = [
      ['a non-browser client', {}],
      ['a page of PUBLIC_URL', { origin: OWN, 'sec-fetch-site': 'same-origin' }],
      ['a page of an origin in CORS_ORIGINS', { origin: LISTED, 'sec-fetch-site': 'cross-site' }],
    ];
    let n = 100;
    for (const [who, site] of sources) {
      const creds = account((n += 1));
      const res = await call(t.app, 'POST', '/api/account', { headers: site, payload: JSON.stringify(creds) });
      assert.equal(res.status, 201, `${who}: ${res.text}`);
      assert.equal(res.body.username, creds.username);
    }
  });

  it('keeps text/plain and form bodies at 415 for everyone else', async () => {
    for (const [type, contentType] of BODIES.filter(([name]) => name !== 'no Content-Type' && name !== 'JSON')) {
      const res = await call(t.app, 'POST', '/api/account', { headers: contentType, payload: JSON.stringify(account(200)) });
      assert.equal(res.status, 415, `${type}: ${res.text}`);
      assert.equal(res.body.error, 'unsupported_media_type', type);
    }
    const empty = await call(t.app, 'POST', '/api/account', { headers: { 'content-type': '' }, payload: JSON.stringify(account(201)) });
    assert.equal(empty.status, 415, 'an empty Content-Type header is not a missing one');
  });

  it('answers a body without Content-Type that is not a JSON object with 400 naming the problem', async () => {
    const notJson = await call(t.app, 'POST', '/api/account', { payload: 'username=x@buddycloud.example&password=y' });
    assert.equal(notJson.status, 400);
    assert.deepEqual(notJson.body, { error: 'invalid_json', message: 'the request body has no Content-Type, so it is read as JSON, and it is not valid JSON' });
    const array = await call(t.app, 'POST', '/api/account', { payload: '[]' });
    assert.equal(array.status, 400);
    assert.equal(array.body.error, 'invalid_input');
    const badUtf8 = await call(t.app, 'POST', '/api/account', { payload: Buffer.from([0x7b, 0xff, 0x7d]) });
    assert.equal(badUtf8.status, 400);
    assert.equal(badUtf8.body.error, 'invalid_json');
    const nul = await call(t.app, 'POST', '/api/account/pw/reset', { payload: '{"username": "a\\u0000b@buddycloud.example"}' });
    assert.equal(nul.status, 400);
  });

  it('still refuses a change with Basic credentials from a CORS_ORIGINS page (a browser may attach them on its own)', async () => {
    const creds = account(300);
    assert.equal((await call(t.app, 'POST', '/api/account', { json: creds })).status, 201);
    const res = await call(t.app, 'DELETE', '/api/account', { headers: { ...basic(creds.username, creds.password), origin: LISTED, 'sec-fetch-site': 'cross-site' } });
    assert.equal(res.status, 403, res.text);
    assert.equal((await call(t.app, 'GET', '/api/', { headers: basic(creds.username, creds.password) })).status, 200);
  });
});
