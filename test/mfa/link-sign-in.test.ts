/**
 * A mailbox alone never signs in an account with a second factor: after a reset link on the
 * hosted pages an account without one is signed in (README "Back to the app"), an account with
 * TOTP on is not: the page says the password changed and the next login asks for the code.
 * Real SMTP sink. SQLite, and PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox, type ReceivedMail } from '../support/mailbox.js';
import { login } from '../support/jwt-api.js';
import { getPage, hiddenField, pathOf, postForm } from '../pages/helpers.js';
import { enrolTotp } from './helpers.js';

const PASSWORD = 'first password of the owner';
const NEXT = 'second password of the owner';

describe('a reset link and the second factor', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url, hasher: 'fast' });
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  /** Signs `email` up on the pages and confirms it with PASSWORD. */
  async function signUp(email: string): Promise<void> {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/signup');
    assert.equal((await postForm(t.app, jar, '/signup', { csrf: hiddenField(form.text, 'csrf'), email })).status, 200);
    await t.flushOutbox();
    const link = linkFrom(await mailbox.waitFor((m) => m.to.includes(email)), '/confirm');
    const tab = new CookieJar();
    const confirm = await getPage(t.app, tab, pathOf(link));
    assert.equal(confirm.status, 200);
    const done = await postForm(t.app, tab, '/confirm', { csrf: hiddenField(confirm.text, 'csrf'), token: hiddenField(confirm.text, 'token'), password: PASSWORD, password_confirm: PASSWORD });
    assert.ok(done.status === 303 || done.status === 200, done.text);
  }

  /** Asks for a reset of `email` on the pages and posts NEXT through the emailed link in a fresh tab. */
  async function resetThroughLink(email: string) {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/reset');
    const seen = mailbox.messages.length;
    await postForm(t.app, jar, '/reset', { csrf: hiddenField(form.text, 'csrf'), identifier: email });
    await t.flushOutbox();
    // The owner also gets a notice when the second factor is turned on: wait for the mail with the link.
    const hasResetLink = (m: ReceivedMail): boolean => m.links.some((l) => new URL(l).pathname === '/reset');
    const mail = await mailbox.waitFor((m) => mailbox.messages.indexOf(m) >= seen && m.to.includes(email) && hasResetLink(m));
    const tab = new CookieJar();
    const page = await getPage(t.app, tab, pathOf(linkFrom(mail, '/reset')));
    const done = await postForm(t.app, tab, '/reset/complete', { csrf: hiddenField(page.text, 'csrf'), token: hiddenField(page.text, 'token'), password: NEXT, password_confirm: NEXT });
    return { done, tab };
  }

  it('control: without a second factor the reset link signs the account in', async () => {
    await signUp('plain@example.com');
    const { done, tab } = await resetThroughLink('plain@example.com');
    assert.equal(done.status, 303, done.text);
    assert.ok(tab.get('sessionid'), 'signed in by the link');
  });

  it('with TOTP on, the reset link sets the password but opens no session; the next login asks for the code', async () => {
    await signUp('guarded@example.com');
    await enrolTotp(t.app, t.clock, await login(t.app, 'guarded@example.com', PASSWORD), PASSWORD);
    const { done, tab } = await resetThroughLink('guarded@example.com');
    assert.equal(done.status, 200, done.text);
    assert.match(done.text, /Password changed/);
    assert.equal(tab.get('sessionid'), undefined, 'no session from the mailbox alone');
    assert.equal((await getPage(t.app, tab, '/account')).status === 200, false, '/account is not reachable');
    const next = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'guarded@example.com', password: NEXT } });
    assert.equal(next.status, 401, next.text);
    assert.match(next.text, /mfa_required/);
  });
});
