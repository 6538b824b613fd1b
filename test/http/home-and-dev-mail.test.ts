/**
 * `/` sends a person to their account or to the login form, and `/dev/mail` lists the dev
 * outbox with clickable links, only while the dev outbox is in use, outside production and on
 * a loopback listener (README, "Development mail").
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loginJar } from '../cookie/helpers.js';
import { enqueue } from '../mail/nodes.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const PASSWORD = 'Marmalade-Orbit-27';

describe('the home address and the development mail page', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  it('/ redirects a visitor to /login, and a logged-in one to /account', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, '/login');
    const registered = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'homer', password: PASSWORD } });
    assert.equal(registered.status, 200, registered.text);
    const jar = await loginJar(t.app, 'homer', PASSWORD);
    const known = await t.app.inject({ method: 'GET', url: '/', headers: jar.headers() });
    assert.equal(known.statusCode, 303);
    assert.equal(known.headers.location, '/account');
  });

  it('/dev/mail lists a message sent through the dev outbox with its link, which stays readable after sending', async () => {
    await enqueue(t.latchkey, { template: 'reset_password', to: 'dev@example.com', data: { token: 'dev-mail-token-1' } });
    assert.equal(await t.flushOutbox(), 1);
    const res = await t.app.inject({ method: 'GET', url: '/dev/mail' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.ok(res.body.includes('<a href="http://localhost:3000/reset?token=dev-mail-token-1">'), res.body);
    assert.ok(res.body.includes('dev@example.com'));
    assert.ok(res.body.includes('Reset your Latchkey password'));
  });

  for (const [why, options] of [
    ['NODE_ENV is production', { env: { NODE_ENV: 'production' } }],
    ['the server listens beyond loopback', { env: { HOST: '0.0.0.0' } }],
    ['mail goes through SMTP', { smtpUrl: 'smtp://127.0.0.1:9' }],
  ] as const) {
    it(`/dev/mail does not exist when ${why}`, async () => {
      const other = await createTestInstance({ hasher: 'fast', ...options });
      try {
        const res = await other.app.inject({ method: 'GET', url: '/dev/mail' });
        assert.equal(res.statusCode, 404);
        assert.ok(!res.body.includes('token'));
      } finally {
        await other.close();
      }
    });
  }
});
