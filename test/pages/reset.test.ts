/**
 * /reset over real SMTP: the request page answers the same for any input, the emailed link opens
 * a new-password form, completing it changes the password and ends every session, and the link
 * works only once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { action, loginJar } from '../cookie/helpers.js';
import { getPage, hiddenField, pathOf, postForm } from './helpers.js';

const PASSWORD = 'correct horse battery';
const NEXT = 'reset to this passphrase';

describe('hosted pages: password reset by email', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url }); // real argon2id
    await t.service.registerAccount({ username: 'forgetful', password: PASSWORD, email: 'forgetful@example.com' });
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  it('SEC-47 answers a reset request with the same page for a known, an unknown and a malformed identifier', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/reset');
    assert.equal(form.status, 200);
    const csrf = hiddenField(form.text, 'csrf');
    const answers = [];
    for (const identifier of ['forgetful@example.com', 'nobody@example.com', 'nobody', '']) {
      answers.push(await postForm(t.app, jar, '/reset', { csrf, identifier }));
    }
    for (const res of answers) {
      assert.equal(res.status, 200);
      assert.equal(res.text, answers[0]!.text);
    }
    const refused = await postForm(t.app, new CookieJar(), '/reset', { csrf, identifier: 'forgetful@example.com' });
    assert.equal(refused.status, 403, 'the form token must come with its cookie');
  });

  it('SEC-48/53 follows the emailed link, sets a new password, ends every session and refuses the link again', async () => {
    const session = await loginJar(t.app, 'forgetful', PASSWORD);
    t.clock.advance(61_000); // the previous test used this address's mail budget for the minute
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/reset');
    await t.flushOutbox();
    const seen = mailbox.messages.length;
    await postForm(t.app, jar, '/reset', { csrf: hiddenField(form.text, 'csrf'), identifier: 'forgetful' });
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => mailbox.messages.indexOf(m) >= seen && m.to.includes('forgetful@example.com'));
    const link = pathOf(linkFrom(mail, '/reset'));
    assert.equal((await action(t.app, session.clone(), 'check_login')).status, 200, 'a request alone changes nothing (docs/security.md#sec-52)');

    const page = await getPage(t.app, jar, link);
    assert.equal(page.status, 200);
    assert.match(page.text, /Choose a new password/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    const fields = { csrf: hiddenField(page.text, 'csrf'), token: hiddenField(page.text, 'token') };
    const mismatch = await postForm(t.app, jar, '/reset/complete', { ...fields, password: NEXT, password_confirm: 'other' });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.text, /not the same/);
    const done = await postForm(t.app, jar, '/reset/complete', { ...fields, password: NEXT, password_confirm: NEXT });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.location, '/account', 'signed in anew after the reset (no second login)');
    const account = await getPage(t.app, jar, '/account');
    assert.equal(account.status, 200);
    assert.match(account.text, /forgetful@example\.com/);

    assert.equal((await action(t.app, session, 'check_login')).status, 401, 'the old session ended');
    assert.equal((await action(t.app, new CookieJar(), 'login', { username: 'forgetful', password: PASSWORD })).status, 401);
    assert.equal((await action(t.app, new CookieJar(), 'login', { username: 'forgetful', password: NEXT })).status, 200);

    const again = await getPage(t.app, new CookieJar(), link);
    assert.equal(again.status, 400);
    assert.match(again.text, /expired or has already been used/);
    const replay = await postForm(t.app, jar, '/reset/complete', { ...fields, password: 'yet another one!', password_confirm: 'yet another one!' });
    assert.equal(replay.status, 400);
  });

  it('SEC-48 shows the error page for a tampered reset link', async () => {
    const res = await getPage(t.app, new CookieJar(), '/reset?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(res.status, 400);
    assert.match(res.text, /expired or has already been used/);
  });
});
