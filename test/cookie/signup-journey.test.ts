/**
 * The email-only sign-up journey over real SMTP, the way a user lives it: do=create, read the
 * email, open its /confirm link, choose a password, log in with do=login. Then the link cannot
 * be used again, an expired or tampered link gets the error page, and a new link can be asked for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { getPage, hiddenField, pathOf, postForm } from '../pages/helpers.js';
import { action } from './helpers.js';

const PASSWORD = 'a long enough passphrase';

describe('email sign-up journey over SMTP (cookie-session API do=create + /confirm)', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url }); // real argon2id
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  async function signUp(email: string): Promise<string> {
    const res = await action(t.app, new CookieJar(), 'create', { email });
    assert.equal(res.status, 200, res.text);
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => m.to.includes(email) && m.links.some((l) => l.includes('/confirm?')));
    return linkFrom(mail, '/confirm');
  }

  it('SEC-11 creates, confirms through the emailed link, then logs in; the link then cannot be reused', async () => {
    const link = await signUp('journey@example.com');
    assert.ok(link.startsWith('http://localhost:3000/confirm?token='), link);
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, pathOf(link));
    assert.equal(form.status, 200);
    assert.match(form.text, /Choose your password/);
    assert.match(form.text, /journey@example\.com/);
    assert.equal(form.headers['referrer-policy'], 'no-referrer');
    assert.equal(form.headers['cache-control'], 'no-store');
    const token = hiddenField(form.text, 'token');
    const csrf = hiddenField(form.text, 'csrf');

    const before = await action(t.app, new CookieJar(), 'login', { username: 'journey@example.com', password: PASSWORD });
    assert.equal(before.status, 401, 'no login before confirmation (docs/security.md#sec-10)');

    const mismatch = await postForm(t.app, jar, '/confirm', { csrf, token, password: PASSWORD, password_confirm: PASSWORD + 'x' });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.text, /not the same/);
    const weak = await postForm(t.app, jar, '/confirm', { csrf, token, password: 'short', password_confirm: 'short' });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /at least 8 characters/);

    const done = await postForm(t.app, jar, '/confirm', { csrf, token, password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.location, '/account', 'signed in by the link');

    const api = new CookieJar();
    assert.equal((await action(t.app, api, 'login', { username: 'journey@example.com', password: PASSWORD })).status, 200);
    assert.equal((await action(t.app, api, 'check_login')).status, 200);

    const reused = await getPage(t.app, new CookieJar(), pathOf(link));
    assert.equal(reused.status, 400);
    assert.match(reused.text, /not valid any more/);
    assert.match(reused.text, /action="\/confirm\/resend"/);
    const replay = await postForm(t.app, jar, '/confirm', { csrf, token, password: 'another passphrase', password_confirm: 'another passphrase' });
    assert.equal(replay.status, 400);
    assert.equal((await action(t.app, new CookieJar(), 'login', { username: 'journey@example.com', password: 'another passphrase' })).status, 401);

    const logs = t.logs.join('\n');
    for (const secret of [token, csrf, PASSWORD, api.get('sessionid')!, api.get('csrftoken')!]) {
      assert.ok(!logs.includes(secret), 'no link token, form token, password or cookie value in the logs (docs/security.md#sec-66)');
    }
  });

  it('SEC-11 shows the error page for a tampered link and for an expired one', async () => {
    const link = await signUp('expiry@example.com');
    const url = new URL(link);
    const token = url.searchParams.get('token')!;
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const bad of [`/confirm?token=${encodeURIComponent(flipped)}`, '/confirm?token=', '/confirm', `/confirm?token=${'x'.repeat(500)}`]) {
      const res = await getPage(t.app, new CookieJar(), bad);
      assert.equal(res.status, 400, bad);
      assert.match(res.text, /This link cannot be used/, bad);
    }
    t.clock.advance(24 * 3600 * 1000 + 1000);
    const expired = await getPage(t.app, new CookieJar(), pathOf(link));
    assert.equal(expired.status, 400);
    assert.match(expired.text, /This link cannot be used/);
  });

  it('sends a new link on request and answers the same for an unknown address', async () => {
    const jar = new CookieJar();
    const page = await getPage(t.app, jar, '/confirm?token=nothing');
    const csrf = hiddenField(page.text, 'csrf');
    const before = mailbox.messages.length;
    const known = await postForm(t.app, jar, '/confirm/resend', { csrf, email: 'expiry@example.com' });
    const unknown = await postForm(t.app, jar, '/confirm/resend', { csrf, email: 'stranger@example.com' });
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    assert.equal(known.text, unknown.text);
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => m.to.includes('expiry@example.com') && mailbox.messages.indexOf(m) >= before);
    const fresh = await getPage(t.app, new CookieJar(), pathOf(linkFrom(mail, '/confirm')));
    assert.equal(fresh.status, 200);
    assert.ok(!mailbox.messages.some((m) => m.to.includes('stranger@example.com')));
  });
});
