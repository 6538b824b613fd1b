/**
 * SEC-54 (checklist §2, token-consuming endpoints): unusable refresh tokens and email links
 * count per client address; past TOKEN_FAILURES_PER_IP_MINUTE the failure is a 429 with
 * Retry-After for the rest of the minute. Working tokens never count; once an address is over
 * its budget, refresh refuses it before any lookup (docs/decisions.md), working tokens too,
 * until the minute ends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';

const LIMIT = 3;
const junk = (n: number) => `${'x'.repeat(40)}${n}`;

describe('SEC-54 per-address limit on unusable tokens', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ env: { TOKEN_FAILURES_PER_IP_MINUTE: String(LIMIT) } }); // real argon2id
    await register(t.app, 'tokens', 'tokens-password-1');
  });
  after(() => t.close());

  const refresh = (token: string, ip = '10.54.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/v1/account/refresh', remoteAddress: ip, headers: { 'content-type': 'application/json' }, payload: { refresh: token } });

  it('SEC-54 junk refresh tokens get 401 up to the limit, then 429 with Retry-After; a working token works again after the window', async () => {
    const pair = await login(t.app, 'tokens', 'tokens-password-1');
    for (let i = 0; i < LIMIT; i++) assert.equal((await refresh(junk(i))).statusCode, 401, `junk token ${i}`);
    const refused = await refresh(junk(99));
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60, String(refused.headers['retry-after']));
    assert.equal(JSON.parse(refused.body).error.code, 'throttled');
    assert.equal((await refresh(pair.refresh)).statusCode, 429, 'an address over budget is refused before its token is looked at');
    assert.equal((await refresh(junk(100), '10.54.0.2')).statusCode, 401, 'another address has its own budget');
    t.clock.advance(61_000);
    assert.equal((await refresh(pair.refresh)).statusCode, 200, 'the working token works once the window is over');
    assert.equal((await refresh(junk(101))).statusCode, 401, 'a minute later the address may fail again');
  });

  it('SEC-54 junk reset links on the page count too, and the refusal is an HTML page', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/reset');
    const csrf = hiddenField(form.text, 'csrf');
    const submit = (n: number) =>
      postForm(t.app, jar, '/reset/complete', { csrf, token: junk(n), password: 'a new password 54', password_confirm: 'a new password 54' }, {});
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await submit(i)).status);
    assert.deepEqual(statuses.slice(0, LIMIT), Array(LIMIT).fill(400), `bad links: ${statuses.join(', ')}`);
    const refused = await submit(LIMIT + 1);
    assert.equal(refused.status, 429);
    assert.match(String(refused.headers['content-type']), /text\/html/);
    assert.ok(refused.headers['retry-after']);
  });

  it('SEC-54 the limit is configurable and validated', async () => {
    const res = await call(t.app, 'GET', '/healthz');
    assert.equal(res.status, 200);
    await assert.rejects(createTestInstance({ hasher: 'fast', env: { TOKEN_FAILURES_PER_IP_MINUTE: 'lots' } }), /TOKEN_FAILURES_PER_IP_MINUTE/);
  });
});
