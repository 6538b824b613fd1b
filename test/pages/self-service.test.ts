/**
 * The self-service pages over real SMTP: change the email from /account (the current password;
 * the link's page changes nothing until its button is pressed), delete the account behind its
 * confirmation step, and ask for a new confirmation link from its own page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { action, loginJar } from '../cookie/helpers.js';
import { getPage, hiddenField, pathOf, postForm } from './helpers.js';

const PW = 'self service passphrase';

describe('hosted pages: change email, delete account, resend confirmation', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url, hasher: 'fast', env: { RETURN_TO_ORIGINS: 'https://app.example.test' } });
    await t.service.registerAccount({ username: 'pager', password: PW, email: 'pager-old@example.com' });
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  it('changes the email from /account through the link mailed to the new address', async () => {
    const jar = await loginJar(t.app, 'pager', PW);
    const account = await getPage(t.app, jar, '/account');
    const csrf = hiddenField(account.text, 'csrf');
    const wrong = await postForm(t.app, jar, '/account/email', { csrf, current_password: 'nope nope nope', email: 'pager-new@example.com' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /current password is not correct/);
    assert.equal((await postForm(t.app, new CookieJar(), '/account/email', { csrf, current_password: PW, email: 'x@example.com' })).headers.location, '/login');
    const asked = await postForm(t.app, jar, '/account/email', { csrf, current_password: PW, email: 'pager-new@example.com' });
    assert.equal(asked.status, 200);
    assert.match(asked.text, /Check your new inbox/);
    await t.flushOutbox();
    const link = pathOf(linkFrom(await mailbox.waitFor((m) => m.to.includes('pager-new@example.com')), '/email/confirm'));

    const tab = new CookieJar();
    const landing = await getPage(t.app, tab, `${link}&return_to=${encodeURIComponent('https://app.example.test/profile')}`);
    assert.equal(landing.status, 200);
    assert.match(landing.text, /pager-new@example\.com/);
    assert.equal((await action(t.app, new CookieJar(), 'login', { username: 'pager-old@example.com', password: PW })).status, 200, 'opening the link changed nothing');
    const done = await postForm(t.app, tab, '/email/confirm', { csrf: hiddenField(landing.text, 'csrf'), token: hiddenField(landing.text, 'token'), return_to: hiddenField(landing.text, 'return_to') });
    assert.equal(done.status, 200);
    assert.match(done.text, /You now log in with <strong>pager-new@example\.com/);
    assert.match(done.text, /href="https:\/\/app\.example\.test\/profile">Back to the app/);
    assert.equal((await action(t.app, new CookieJar(), 'login', { username: 'pager-old@example.com', password: PW })).status, 401);
    assert.equal((await getPage(t.app, new CookieJar(), link)).status, 400, 'the link works once');
  });

  it('asks for a new confirmation link from its own page', async () => {
    const jar = new CookieJar();
    await postForm(t.app, jar, '/signup', { csrf: hiddenField((await getPage(t.app, jar, '/signup')).text, 'csrf'), email: 'waiting@example.com' });
    t.clock.advance(61_000);
    const form = await getPage(t.app, jar, '/confirm/resend');
    assert.equal(form.status, 200);
    const seen = mailbox.messages.length;
    const res = await postForm(t.app, jar, '/confirm/resend', { csrf: hiddenField(form.text, 'csrf'), email: 'waiting@example.com' });
    assert.equal(res.status, 200);
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => mailbox.messages.indexOf(m) >= seen && m.to.includes('waiting@example.com'));
    assert.ok(linkFrom(mail, '/confirm'));
  });

  it('SEC-58 deletes the account only after the confirmation step with the current password', async () => {
    const jar = await loginJar(t.app, 'pager', PW);
    const step = await getPage(t.app, jar, '/account/delete');
    assert.equal(step.status, 200);
    assert.match(step.text, /cannot be restored/);
    const csrf = hiddenField(step.text, 'csrf');
    const unticked = await postForm(t.app, jar, '/account/delete', { csrf, current_password: PW });
    assert.equal(unticked.status, 400, 'the confirmation box must be ticked');
    assert.match(unticked.text, /aria-describedby="delete_confirm-error" autofocus>/);
    const wrong = await postForm(t.app, jar, '/account/delete', { csrf, current_password: 'not the one', confirm: 'yes' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /<input id="current_password" name="current_password" type="password" required autocomplete="current-password" maxlength="1023" aria-invalid="true" aria-describedby="current_password-error" autofocus>/);
    assert.match(wrong.text, /<p id="current_password-error" class="field-error">Your current password is not correct\.<\/p>/);
    assert.equal((await getPage(t.app, jar, '/account')).status, 200, 'still there');
    const gone = await postForm(t.app, jar, '/account/delete', { csrf, current_password: PW, confirm: 'yes' });
    assert.equal(gone.status, 200);
    assert.match(gone.text, /has been deleted/);
    assert.equal((await getPage(t.app, jar, '/account')).headers.location, '/login');
    assert.equal((await action(t.app, new CookieJar(), 'login', { username: 'pager', password: PW })).status, 401);
    await t.flushOutbox();
    await mailbox.waitFor((m) => m.to.includes('pager-new@example.com') && /deleted/i.test(m.subject));
  });
});
