/**
 * Emails as a user receives them over real SMTP (docs/branding.md#emails): written in the
 * account's stored language (set at sign-up from the request, changed through the JSON API),
 * carrying the brand and never "Latchkey" once BRAND_NAME is set, with a button link and a
 * plain-text part; a template from TEMPLATES_DIR replaces the shipped one, and a broken one
 * stops start-up instead of failing at send time.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { assembleLatchkey } from '../../src/cli/assemble.js';
import { mailRendererFor } from '../../src/cli/dev-mailbox.js';
import { createFastHasher } from '../support/fast-hasher.js';
import { loadConfig } from '../../src/config/index.js';
import { checkMailTemplates, TemplateDataError } from '../../src/mail/templates/index.js';
import { LANGUAGES } from '../../src/ui/index.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox, type ReceivedMail } from '../support/mailbox.js';
import { login } from '../support/jwt-api.js';
import { CookieJar } from '../support/cookie-jar.js';
import { action } from '../cookie/helpers.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';

const API = '/api/v1/account';
const PASSWORD = 'a long passphrase for mail';
const overrides = mkdtempSync(join(tmpdir(), 'latchkey-mail-templates-'));

describe('emails in the account language, with the brand', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  before(async () => {
    mkdirSync(join(overrides, 'mail'), { recursive: true });
    // An operator's own reset email: its own words, a shipped partial and the catalogue still usable.
    writeFileSync(
      join(overrides, 'mail', 'reset-password.eta'),
      `<% layout('/mail/layout') %><p class="ours">Our own reset words for <%= it.brand.name %></p>\n<%~ include('/mail/partials/button', { ...it, href: it.link, label: it.t('resetPassword.button') }) %>`,
    );
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url, hasher: 'fast', env: { BRAND_NAME: 'Acme Cloud', BRAND_COLOR: '#0a7d4f', TEMPLATES_DIR: overrides } });
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
    rmSync(overrides, { recursive: true, force: true });
  });

  const post = (path: string, json: object, headers: Record<string, string> = {}) => call(t.app, 'POST', `${API}${path}`, { json, headers });
  const seen = new Set<ReceivedMail>();
  async function nextMail(to: string): Promise<ReceivedMail> {
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => m.to.includes(to) && !seen.has(m));
    seen.add(mail);
    return mail;
  }
  async function signUpAndConfirm(email: string, headers: Record<string, string>, body: object = {}): Promise<ReceivedMail> {
    assert.equal((await post('/signup', { email, ...body }, headers)).status, 200);
    const mail = await nextMail(email);
    const token = new URL(linkFrom(mail, '/confirm')).searchParams.get('token') as string;
    assert.equal((await post('/confirm', { token, password: PASSWORD })).status, 200);
    return mail;
  }

  function assertBranded(mail: ReceivedMail): void {
    assert.match(mail.from, /Acme Cloud/, 'the sender is not the brand');
    assert.match(mail.text, /Acme Cloud/);
    assert.match(mail.html, /Acme Cloud/);
    assert.ok(!/latchkey/i.test([mail.from, mail.subject, mail.text, mail.html].join('\n')), 'an email says Latchkey under a brand');
    assert.match(mail.html, /<a href="[^"]+" style="display:inline-block;[^"]*background:#0a7d4f;color:#ffffff[^"]*">(?!http)[^<]+<\/a>/, 'no button in the brand colour');
    assert.ok(mail.text.length > 40 && !/<[a-z]/i.test(mail.text), 'no plain-text part');
  }

  it('writes a German account its confirmation in German, with the brand, a button and a text part', async () => {
    const mail = await signUpAndConfirm('greta@example.com', { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' });
    assert.equal(mail.subject, 'Bestätigen Sie Ihr Acme Cloud-Konto');
    assert.match(mail.html, /<html lang="de">/);
    assert.match(mail.html, />E-Mail-Adresse bestätigen<\/a>/);
    assert.match(mail.text, /^Hallo,\n/);
    assert.match(mail.text, /E-Mail-Adresse bestätigen:\nhttp:\/\/localhost:3000\/confirm\?token=/);
    assertBranded(mail);

    // Later notices follow the stored language, whatever language the request is in.
    const pair = await login(t.app, 'greta@example.com', PASSWORD);
    assert.equal((await call(t.app, 'GET', `${API}/me`, { headers: bearer(pair.access) })).body.result.locale, 'de');
    const changed = await post('/password', { currentPassword: PASSWORD, password: `${PASSWORD} 2` }, { ...bearer(pair.access), 'accept-language': 'en' });
    assert.equal(changed.status, 200);
    const notice = await nextMail('greta@example.com');
    assert.equal(notice.subject, 'Ihr Passwort wurde geändert');
    assertBranded(notice);
  });

  it('takes an explicit locale at sign-up over Accept-Language, and lets the owner change it', async () => {
    const first = await signUpAndConfirm('ed@example.com', { 'accept-language': 'de' }, { locale: 'en' });
    assert.equal(first.subject, 'Confirm your Acme Cloud account');
    const pair = await login(t.app, 'ed@example.com', PASSWORD);
    const bad = await post('/locale', { locale: 'xx' }, bearer(pair.access));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_input');
    assert.equal((await post('/locale', { locale: 'de' }, bearer(pair.access))).status, 200);
    assert.equal((await call(t.app, 'GET', `${API}/me`, { headers: bearer(pair.access) })).body.result.locale, 'de');
    assert.equal((await post('/locale', { locale: 'de' })).status, 401, 'only the signed-in owner changes it');
    await post('/delete', { currentPassword: PASSWORD }, bearer(pair.access));
    const gone = await nextMail('ed@example.com');
    assert.equal(gone.subject, 'Ihr Konto wurde gelöscht');
    assertBranded(gone);
  });

  it('writes the next email in German once the owner chose German on /account', async () => {
    const first = await signUpAndConfirm('anna@example.com', { 'accept-language': 'en' });
    assert.equal(first.subject, 'Confirm your Acme Cloud account');
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    assert.equal((await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'anna@example.com', password: PASSWORD })).status, 303);
    const account = await getPage(t.app, jar, '/account');
    assert.equal((await postForm(t.app, jar, '/account/language', { csrf: hiddenField(account.text, 'csrf'), language: 'de' })).status, 303);
    assert.equal((await post('/password/reset', { identifier: 'anna@example.com' }, { 'accept-language': 'en' })).status, 200);
    const reset = await nextMail('anna@example.com');
    assert.equal(reset.subject, 'Setzen Sie Ihr Acme Cloud-Passwort zurück');
    assert.match(reset.html, /<html lang="de">/);
    assertBranded(reset);
  });

  it('writes the sign-up notice to an existing account in its owner’s language, not the request’s', async () => {
    await signUpAndConfirm('owner@example.com', { 'accept-language': 'de' });
    assert.equal((await post('/signup', { email: 'owner@example.com' }, { 'accept-language': 'en' })).status, 200);
    const notice = await nextMail('owner@example.com');
    assert.equal(notice.subject, 'Jemand wollte sich mit Ihrer Adresse registrieren');
    assertBranded(notice);
  });

  it('takes the language from Accept-Language on the cookie API and the Basic API, whose bodies stay as documented', async () => {
    assert.equal((await action(t.app, new CookieJar(), 'create', { email: 'keks@example.com' }, { 'accept-language': 'de' })).status, 200);
    const cookieMail = await nextMail('keks@example.com');
    assert.equal(cookieMail.subject, 'Bestätigen Sie Ihr Acme Cloud-Konto');
    assertBranded(cookieMail);

    const basic = await call(t.app, 'POST', '/api/account', { json: { username: 'hans@example.com', password: PASSWORD, email: 'hans@example.com' }, headers: { 'accept-language': 'de' } });
    assert.equal(basic.status, 201, basic.text);
    const auth = { authorization: `Basic ${Buffer.from(`hans@example.com:${PASSWORD}`).toString('base64')}` };
    assert.equal((await call(t.app, 'POST', '/api/account/pw/change', { json: { username: 'hans@example.com', password: `${PASSWORD} 2` }, headers: auth })).status, 200);
    const notice = await nextMail('hans@example.com');
    assert.equal(notice.subject, 'Ihr Passwort wurde geändert');
    assertBranded(notice);
  });

  it('uses DEFAULT_LANGUAGE when the request names no shipped language', async () => {
    const mail = await signUpAndConfirm('nolang@example.com', { 'accept-language': 'fr-CH, fr;q=0.9' });
    assert.equal(mail.subject, 'Confirm your Acme Cloud account');
    assertBranded(mail);
  });

  it('uses a template of the same name from TEMPLATES_DIR, the shipped text part staying', async () => {
    assert.equal((await post('/password/reset', { identifier: 'greta@example.com' })).status, 200);
    const mail = await nextMail('greta@example.com');
    assert.match(mail.html, /<p class="ours">Our own reset words for Acme Cloud<\/p>/);
    assert.match(mail.html, />Neues Passwort wählen<\/a>/, 'the override’s button is in the account’s language');
    assert.equal(mail.subject, 'Setzen Sie Ihr Acme Cloud-Passwort zurück');
    assert.match(mail.text, /Neues Passwort wählen:\nhttp:\/\/localhost:3000\/reset\?token=/);
    assertBranded(mail);
  });
});

describe('a broken email template', () => {
  it('in TEMPLATES_DIR stops start-up with an error naming it, since every email renders once in every language', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-broken-'));
    try {
      mkdirSync(join(dir, 'mail'));
      writeFileSync(join(dir, 'mail', 'email-in-use.txt.eta'), '<%= it.nothing.here %>');
      const config = loadConfig({ TEMPLATES_DIR: dir, DATABASE_URL: 'sqlite::memory:' });
      const named = (err: unknown) => err instanceof TemplateDataError && /mail\/email-in-use\.txt/.test(err.message);
      assert.throws(() => checkMailTemplates(mailRendererFor(config), LANGUAGES), named);
      await assert.rejects(assembleLatchkey(config, { hasher: createFastHasher(), logStream: new PassThrough() }), named);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
