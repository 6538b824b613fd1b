/**
 * Login metrics with a second factor: a right password that asks for a code counts as
 * `second_step` (not a failure on the APIs, not a success on the page), and the code steps are
 * counted in `latchkey_second_steps_total` by surface and outcome.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { action } from '../cookie/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';
import { codeAt, enrolTotp, type Enrolled } from './helpers.js';

const PASSWORD = 'metrics second factor password';
const TOKEN = 'a-metrics-token-for-the-second-factor-test';

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('login metrics with a second factor', () => {
  let t: TestInstance;
  let enrolled: Enrolled;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { METRICS_TOKEN: TOKEN } });
    await register(t.app, 'alice', PASSWORD);
    enrolled = await enrolTotp(t.app, t.clock, await login(t.app, 'alice', PASSWORD), PASSWORD);
  });
  after(() => t.close());

  it('counts the password step as second_step and the code steps by outcome', async () => {
    const scrape = async () => (await call(t.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).text;
    const first = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'alice', password: PASSWORD } });
    await call(t.app, 'POST', '/api/v1/account/login/mfa', { json: { mfaToken: first.body.error.mfaToken, code: '000000' } });
    t.clock.advance(30_000);
    await call(t.app, 'POST', '/api/v1/account/login/mfa', { json: { mfaToken: first.body.error.mfaToken, code: codeAt(enrolled.secret, t.clock) } });
    const jar = new CookieJar();
    await action(t.app, jar, 'login', { username: 'alice', password: PASSWORD });
    const text = await scrape();
    assert.equal(sample(text, 'latchkey_logins_total', 'surface="jwt",outcome="second_step"'), 1);
    assert.equal(sample(text, 'latchkey_logins_total', 'surface="jwt",outcome="failure"'), 0);
    assert.equal(sample(text, 'latchkey_logins_total', 'surface="cookie",outcome="second_step"'), 1);
    assert.equal(sample(text, 'latchkey_second_steps_total', 'surface="jwt",outcome="failure"'), 1);
    assert.equal(sample(text, 'latchkey_second_steps_total', 'surface="jwt",outcome="success"'), 1);
  });
});
