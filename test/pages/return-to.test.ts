/**
 * `return_to` on the hosted pages over real SMTP: kept from /signup through the emailed link to
 * the set-password form and back to the app (signed in), on /login and through a reset; ignored
 * (the user lands on /account, never elsewhere) when it is not allow-listed, whichever step it is
 * slipped into; the pages' CSP lets forms redirect to the allow-listed origins only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { getPage, hiddenField, pathOf, postForm } from './helpers.js';

const APP = 'https://app.example.test/welcome?from=signup';
const EVIL = ['//evil.example/', 'https:evil.example', 'https://app.example.test@evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)'];
const PASSWORD = 'back to the app please';

describe('hosted pages: return_to', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  let quiet: TestInstance;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url, hasher: 'fast', env: { RETURN_TO_ORIGINS: 'https://app.example.test' } });
    quiet = await createTestInstance({ smtpUrl: mailbox.url, hasher: 'fast', env: { RETURN_TO_ORIGINS: 'https://app.example.test', LOGIN_AFTER_LINK: 'false' } });
  });
  after(async () => {
    await t.close();
    await quiet.close();
    await mailbox.stop();
  });

  async function signUp(instance: TestInstance, email: string, returnTo: string): Promise<string> {
    const jar = new CookieJar();
    const form = await getPage(instance.app, jar, `/signup?return_to=${encodeURIComponent(returnTo)}`);
    const fields: Record<string, string> = { csrf: hiddenField(form.text, 'csrf'), email };
    if (form.text.includes('name="return_to"')) fields.return_to = hiddenField(form.text, 'return_to');
    assert.equal((await postForm(instance.app, jar, '/signup', fields)).status, 200);
    await instance.flushOutbox();
    return linkFrom(await mailbox.waitFor((m) => m.to.includes(email)), '/confirm');
  }

  it('keeps return_to from /signup through the emailed link and lands signed in back in the app (another tab: a fresh cookie jar)', async () => {
    const link = await signUp(t, 'back@example.com', APP);
    assert.equal(new URL(link).searchParams.get('return_to'), APP, 'the emailed link carries return_to');
    const tab = new CookieJar();
    const form = await getPage(t.app, tab, pathOf(link));
    assert.equal(form.status, 200);
    assert.equal(hiddenField(form.text, 'return_to'), APP);
    const csp = String(form.headers['content-security-policy']);
    assert.match(csp, /form-action 'self' https:\/\/app\.example\.test;/);
    const done = await postForm(t.app, tab, '/confirm', { csrf: hiddenField(form.text, 'csrf'), token: hiddenField(form.text, 'token'), return_to: APP, password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.location, APP);
    assert.ok(tab.get('sessionid'), 'signed in by the link');
    assert.equal((await getPage(t.app, tab, '/account')).status, 200);
  });

  it('honours return_to on /login and carries it to the reset and sign-up links', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, `/login?return_to=${encodeURIComponent(APP)}`);
    assert.match(form.text, /href="\/reset\?return_to=https%3A%2F%2Fapp\.example\.test%2Fwelcome%3Ffrom%3Dsignup"/);
    assert.match(form.text, /href="\/signup\?return_to=/);
    const wrong = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), return_to: APP, username: 'back@example.com', password: 'not it at all' });
    assert.equal(wrong.status, 401);
    assert.equal(hiddenField(wrong.text, 'return_to'), APP, 'kept after a failed attempt');
    const ok = await postForm(t.app, jar, '/login', { csrf: hiddenField(wrong.text, 'csrf'), return_to: APP, username: 'back@example.com', password: PASSWORD });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, APP);
  });

  it('keeps return_to through a reset link and signs in anew after it', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, `/reset?return_to=${encodeURIComponent(APP)}`);
    assert.equal(hiddenField(form.text, 'return_to'), APP);
    const seen = mailbox.messages.length;
    await postForm(t.app, jar, '/reset', { csrf: hiddenField(form.text, 'csrf'), return_to: APP, identifier: 'back@example.com' });
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => mailbox.messages.indexOf(m) >= seen && m.to.includes('back@example.com'));
    const link = linkFrom(mail, '/reset');
    assert.equal(new URL(link).searchParams.get('return_to'), APP);
    const tab = new CookieJar();
    const page = await getPage(t.app, tab, pathOf(link));
    const next = 'a brand new passphrase';
    const done = await postForm(t.app, tab, '/reset/complete', { csrf: hiddenField(page.text, 'csrf'), token: hiddenField(page.text, 'token'), return_to: hiddenField(page.text, 'return_to'), password: next, password_confirm: next });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.location, APP);
  });

  for (const evil of EVIL) {
    it(`never redirects off Latchkey for return_to=${JSON.stringify(evil)}: not in the form, not in the link, /account after login and confirm`, async () => {
      const login = await getPage(t.app, new CookieJar(), `/login?return_to=${encodeURIComponent(evil)}`);
      assert.doesNotMatch(login.text, /name="return_to"/);
      const jar = new CookieJar();
      const form = await getPage(t.app, jar, '/login');
      const res = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), return_to: evil, username: 'back@example.com', password: 'a brand new passphrase' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/account');

      const email = `evil-${EVIL.indexOf(evil)}@example.com`;
      const link = await signUp(t, email, evil);
      assert.equal(new URL(link).searchParams.get('return_to'), null, 'the link carries nothing');
      // Slipped into the link and into the form by hand: still /account.
      const tab = new CookieJar();
      const page = await getPage(t.app, tab, `${pathOf(link)}&return_to=${encodeURIComponent(evil)}`);
      assert.doesNotMatch(page.text, /name="return_to"/);
      const done = await postForm(t.app, tab, '/confirm', { csrf: hiddenField(page.text, 'csrf'), token: hiddenField(page.text, 'token'), return_to: evil, password: PASSWORD, password_confirm: PASSWORD });
      assert.equal(done.status, 303);
      assert.equal(done.headers.location, '/account');
    });
  }

  it('with LOGIN_AFTER_LINK=false confirms without signing in and offers the login page that keeps return_to', async () => {
    const link = await signUp(quiet, 'quiet@example.com', APP);
    const jar = new CookieJar();
    const form = await getPage(quiet.app, jar, pathOf(link));
    const done = await postForm(quiet.app, jar, '/confirm', { csrf: hiddenField(form.text, 'csrf'), token: hiddenField(form.text, 'token'), return_to: APP, password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(done.status, 200);
    assert.match(done.text, /account is active/);
    assert.match(done.text, /href="\/login\?return_to=https%3A%2F%2Fapp\.example\.test/);
    assert.equal(jar.get('sessionid'), undefined, 'no session was opened');
  });

  it('keeps the default CSP form-action to our own origin when RETURN_TO_ORIGINS is unset', async () => {
    const plain = await createTestInstance({ hasher: 'fast' });
    try {
      const res = await getPage(plain.app, new CookieJar(), `/login?return_to=${encodeURIComponent(APP)}`);
      assert.match(String(res.headers['content-security-policy']), /form-action 'self';/);
      assert.doesNotMatch(res.text, /name="return_to"/);
    } finally {
      await plain.close();
    }
  });
});
