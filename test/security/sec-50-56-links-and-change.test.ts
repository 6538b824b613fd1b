/**
 * SEC-50 (emailed links use the configured PUBLIC_URL, never the request's Host or
 * X-Forwarded-Host) with a real SMTP sink, and SEC-56 (a wrong current password on a password
 * change counts toward the login throttle) on HTTP Basic and the hosted pages, with argon2id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { startMailbox, type Mailbox } from '../support/mailbox.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';

const PASSWORD = 'correct horse battery';
const EVIL = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example;proto=https' };
const basicAuth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

describe('SEC-50 link hosts come from PUBLIC_URL only', () => {
  let t: TestInstance;
  let mailbox: Mailbox;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url, hasher: 'fast', env: { PUBLIC_URL: 'https://accounts.example.org' } });
    await t.service.registerAccount({ username: 'victim@example.com', password: PASSWORD, email: 'victim@example.com' });
    await t.service.registerAccount({ username: 'victim2', password: PASSWORD, email: 'victim2@example.com' });
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  async function mailTo(address: string): Promise<string[]> {
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => m.to.includes(address));
    return mail.links;
  }

  function assertOnlyOurOrigin(links: string[], what: string): void {
    assert.ok(links.length > 0, `${what}: the email has a link`);
    for (const link of links) {
      assert.equal(new URL(link).origin, 'https://accounts.example.org', `${what}: ${link}`);
      assert.ok(!link.includes('evil.example'), `${what}: ${link}`);
    }
  }

  it('SEC-50 a Basic reset request sent with Host and X-Forwarded-Host of evil.example mails a PUBLIC_URL link', async () => {
    const res = await call(t.app, 'POST', '/api/account/pw/reset', { json: { username: 'victim@example.com' }, headers: EVIL });
    assert.equal(res.status, 200, res.text);
    assertOnlyOurOrigin(await mailTo('victim@example.com'), 'basic reset');
  });

  it('SEC-50 the reset page and the cookie-API sign-up do the same', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/reset');
    const res = await postForm(t.app, jar, '/reset', { csrf: hiddenField(form.text, 'csrf'), identifier: 'victim2' }, { ...EVIL, origin: 'https://accounts.example.org' });
    assert.ok(res.status === 200 || res.status === 303, `${res.status}`);
    assertOnlyOurOrigin(await mailTo('victim2@example.com'), 'reset page');
    const created = await call(t.app, 'POST', '/accounts/action/?do=create', { json: { email: 'newcomer@example.com' }, headers: { ...EVIL, origin: 'https://accounts.example.org' } });
    assert.equal(created.status, 200, created.text);
    assertOnlyOurOrigin(await mailTo('newcomer@example.com'), 'sign-up confirmation');
  });
});

describe('SEC-56 a wrong current password counts toward throttling (argon2id)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ env: { LOGIN_IP_FAILURES_PER_MINUTE: '100000' } });
    await t.service.registerAccount({ username: 'changer@example.com', password: PASSWORD, email: 'changer@example.com' });
    await t.service.registerAccount({ username: 'pagechanger', password: PASSWORD });
  });
  after(() => t.close());

  it('SEC-56 Basic: 20 password changes with a wrong password are throttled, and the right one must wait too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await call(t.app, 'POST', '/api/account/pw/change', {
        headers: basicAuth('changer@example.com', `wrong guess ${i}`),
        json: { username: 'changer@example.com', password: 'a brand new passphrase' },
      });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(statuses.includes(429), statuses.join());
    const right = await call(t.app, 'POST', '/api/account/pw/change', {
      headers: basicAuth('changer@example.com', PASSWORD),
      json: { username: 'changer@example.com', password: 'a brand new passphrase' },
    });
    assert.equal(right.status, 429, 'blocked while the delay runs');
    assert.ok(right.headers['retry-after']);
  });

  it('SEC-56 pages: wrong current passwords on the change form are throttled like logins', async () => {
    const jar = new CookieJar();
    const login = await getPage(t.app, jar, '/login');
    assert.equal((await postForm(t.app, jar, '/login', { csrf: hiddenField(login.text, 'csrf'), username: 'pagechanger', password: PASSWORD })).status, 303);
    const page = await getPage(t.app, jar, '/account');
    const csrf = hiddenField(page.text, 'csrf');
    const next = 'a brand new passphrase';
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await postForm(t.app, jar, '/account/password', { csrf, current_password: `wrong guess ${i}`, password: next, password_confirm: next });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses.slice(0, 5), [400, 400, 400, 400, 400]);
    assert.ok(statuses.includes(429), statuses.join());
    const right = await postForm(t.app, jar, '/account/password', { csrf, current_password: PASSWORD, password: next, password_confirm: next });
    assert.equal(right.status, 429, 'blocked while the delay runs');
    const blockedLogin = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'pagechanger', password: PASSWORD } });
    assert.equal(blockedLogin.status, 429, 'one budget with the logins');
  });
});
