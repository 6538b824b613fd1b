/**
 * The second factor on the hosted pages, the way a user lives it: log in, turn on an
 * authenticator app from /account (QR code and key on the page, a first code confirms it,
 * recovery codes shown once), log out, log in again (the password now leads to the code page),
 * finish with a code, then turn the app off with the password and a code. SQLite, and
 * PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { register } from '../support/jwt-api.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { codeAt } from './helpers.js';

const PASSWORD = 'pages second factor password';

/** Logs in through /login; returns the answer to the password form. */
async function passwordForm(t: TestInstance, jar: CookieJar) {
  const form = await getPage(t.app, jar, '/login');
  return postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'alice', password: PASSWORD });
}

describe('the second factor on the hosted pages', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await register(t.app, 'alice', PASSWORD);
  });
  after(() => t.close());

  it('turn on an authenticator app, log in with a code, turn it off', async () => {
    const jar = new CookieJar();
    assert.equal((await passwordForm(t, jar)).status, 303);
    const account = await getPage(t.app, jar, '/account');
    assert.match(account.text, /Second factor<\/h2><p>Off/);
    const csrf = hiddenField(account.text, 'csrf');
    const wrong = await postForm(t.app, jar, '/account/mfa/totp', { csrf, mfa_password: 'not it' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /password or the code is not correct/);
    const enrol = await postForm(t.app, jar, '/account/mfa/totp', { csrf, mfa_password: PASSWORD });
    assert.equal(enrol.status, 200, enrol.text);
    assert.match(enrol.text, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/, 'the QR code is inline SVG from the server');
    const secret = /<dt>Key<\/dt><dd><code>([A-Z2-7]+)<\/code>/.exec(enrol.text)?.[1] as string;
    assert.ok(secret, 'the key is on the page as text');
    const on = await postForm(t.app, jar, '/account/mfa/totp/confirm', { csrf, code: codeAt(secret, t.clock) });
    assert.equal(on.status, 200, on.text);
    const codes = [...on.text.matchAll(/<li><code>([a-z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10);

    const later = new CookieJar();
    t.clock.advance(30_000);
    const step = await passwordForm(t, later);
    assert.equal(step.status, 200);
    assert.match(step.text, /Enter your code/);
    assert.equal(step.headers['set-cookie']?.toString().includes('sessionid='), false, 'no session cookie before the code');
    const bad = await postForm(t.app, later, '/login/mfa', { csrf: hiddenField(step.text, 'csrf'), mfa_token: hiddenField(step.text, 'mfa_token'), code: '000000' });
    assert.equal(bad.status, 401);
    assert.match(bad.text, /That code is not valid/);
    const done = await postForm(t.app, later, '/login/mfa', { csrf: hiddenField(bad.text, 'csrf'), mfa_token: hiddenField(bad.text, 'mfa_token'), code: codeAt(secret, t.clock) });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.location, '/account');
    const mine = await getPage(t.app, later, '/account');
    assert.match(mine.text, /On: an authenticator app\. 10 recovery codes left/);

    t.clock.advance(30_000);
    const unticked = await postForm(t.app, later, '/account/mfa/totp/disable', { csrf: hiddenField(mine.text, 'csrf'), off_password: PASSWORD, code: codeAt(secret, t.clock) });
    assert.equal(unticked.status, 400, 'turning the factor off needs the confirmation box ticked');
    assert.match(unticked.text, /<input type="checkbox" id="off_confirm" name="confirm" value="yes" required aria-invalid="true" aria-describedby="off_confirm-error" autofocus>/);
    assert.match(unticked.text, /On: an authenticator app/, 'still on');
    const off = await postForm(t.app, later, '/account/mfa/totp/disable', { csrf: hiddenField(mine.text, 'csrf'), off_password: PASSWORD, code: codeAt(secret, t.clock), confirm: 'yes' });
    assert.equal(off.status, 200, off.text);
    assert.match(off.text, /The authenticator app is off/);
    assert.equal((await passwordForm(t, new CookieJar())).status, 303, 'the password alone logs in again');
  });

  it('makes an app password on /account, shown once, that a Basic client can use; revokes it', async () => {
    const jar = new CookieJar();
    assert.equal((await passwordForm(t, jar)).status, 303);
    const account = await getPage(t.app, jar, '/account');
    assert.match(account.text, /App passwords<\/h2>/);
    const csrf = hiddenField(account.text, 'csrf');
    const made = await postForm(t.app, jar, '/account/app-passwords', { csrf, name: 'feed <reader>', ap_password: PASSWORD });
    assert.equal(made.status, 200, made.text);
    assert.match(made.text, /feed &lt;reader&gt;/, 'the name is escaped');
    const secret = /<p><code>([a-z2-7-]{29})<\/code><\/p>/.exec(made.text)?.[1] as string;
    assert.ok(secret, made.text);
    const basic = () => t.app.inject({ method: 'GET', url: '/api/', headers: { authorization: `Basic ${Buffer.from(`alice:${secret}`).toString('base64')}` } });
    assert.equal((await basic()).statusCode, 200);
    const listed = await getPage(t.app, jar, '/account');
    assert.ok(!listed.text.includes(secret), 'the account page never shows the secret');
    const id = hiddenField(listed.text, 'id');
    const unticked = await postForm(t.app, jar, '/account/app-passwords/revoke', { csrf, id, ap_password: PASSWORD });
    assert.equal(unticked.status, 400, 'revoking needs the confirmation box ticked');
    assert.equal((await basic()).statusCode, 200, 'still works');
    const wrong = await postForm(t.app, jar, '/account/app-passwords/revoke', { csrf, id, ap_password: 'not it', confirm: 'yes' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, new RegExp(`<input id="ap_${id}_password" name="ap_password" type="password" required autocomplete="current-password" maxlength="1023" aria-invalid="true" aria-describedby="ap_${id}_password-error" autofocus>`));
    const revoked = await postForm(t.app, jar, '/account/app-passwords/revoke', { csrf, id, ap_password: PASSWORD, confirm: 'yes' });
    assert.equal(revoked.status, 200, revoked.text);
    assert.match(revoked.text, /The app password was revoked/);
    assert.equal((await basic()).statusCode, 401);
  });

  it('a refused app-password form keeps the name typed, escaped, with the error on the field at fault', async () => {
    const jar = new CookieJar();
    assert.equal((await passwordForm(t, jar)).status, 303);
    const csrf = hiddenField((await getPage(t.app, jar, '/account')).text, 'csrf');
    const wrong = await postForm(t.app, jar, '/account/app-passwords', { csrf, name: 'mail "client" <2>', ap_password: 'not it' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /<input id="ap_name" name="name" required value="mail &quot;client&quot; &lt;2&gt;" maxlength="100">/);
    assert.match(wrong.text, /<input id="ap_new_password" name="ap_password" type="password" required autocomplete="current-password" maxlength="1023" aria-invalid="true" aria-describedby="ap_new_password-error" autofocus>/);
    const bad = await postForm(t.app, jar, '/account/app-passwords', { csrf, name: '   ', ap_password: PASSWORD });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<input id="ap_name" name="name" required value="   " maxlength="100" aria-invalid="true" aria-describedby="ap_name-error" autofocus>/);
  });

  it('a step token that ended sends the visitor back to the login form', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    const res = await postForm(t.app, jar, '/login/mfa', { csrf: hiddenField(form.text, 'csrf'), mfa_token: 'no-such-step', code: '123456' });
    assert.equal(res.status, 401);
    assert.match(res.text, /That login step has ended/);
  });
});
