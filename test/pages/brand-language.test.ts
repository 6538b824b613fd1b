/**
 * The pages in the visitor's language and the operator's brand (docs/branding.md): ?lang= and
 * Accept-Language, the language kept across a form post, the brand replacing "Latchkey", the
 * logo and style sheet served, a template from TEMPLATES_DIR, per-field errors, device names.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { getPage, hiddenField, postForm } from './helpers.js';
import { bearer, call } from '../support/http.js';
import { login } from '../support/jwt-api.js';

const PASSWORD = 'brand page password';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const dir = mkdtempSync(join(tmpdir(), 'latchkey-brand-pages-'));
const logo = join(dir, 'acme.svg');
const css = join(dir, 'acme.css');
const templates = join(dir, 'templates');

const ENDUSER_PAGES = ['/login', '/signup', '/reset', '/confirm?token=nope', '/confirm/resend', '/email/confirm?token=nope'];

describe('pages: brand and language', () => {
  let t: TestInstance;
  let plain: TestInstance;
  let accountId: string;
  before(async () => {
    writeFileSync(logo, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    writeFileSync(css, 'main{border:1px solid red}');
    mkdirSync(join(templates, 'pages'), { recursive: true });
    writeFileSync(join(templates, 'pages', 'signup-sent.eta'), '<% layout("/pages/layout", { title: "Acme: " + it.t("signup.sent_title") }) %><p class="acme-own">Welcome aboard, see your inbox.</p>');
    const env = { BRAND_NAME: 'Acme ID', BRAND_COLOR: '#ffcc00', BRAND_LOGO_FILE: logo, BRAND_CSS_FILE: css, TEMPLATES_DIR: templates };
    t = await createTestInstance({ hasher: 'fast', env });
    plain = await createTestInstance({ hasher: 'fast' });
    accountId = (await t.service.registerAccount({ username: 'brandy', password: PASSWORD, email: 'brandy@example.com' })).id;
  });
  after(async () => {
    await t.close();
    await plain.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the brand instead of "Latchkey" on every end-user page, with its logo, colour and style sheet', async () => {
    for (const url of ENDUSER_PAGES) {
      const page = await getPage(t.app, new CookieJar(), url);
      assert.ok(page.status < 500, url);
      assert.doesNotMatch(page.text, /latchkey/i, url);
      assert.match(page.text, /<title>[^<]+ · Acme ID<\/title>/, url);
      assert.match(page.text, /<img src="\/brand\/logo" alt="Acme ID" class="logo">/, url);
      assert.match(page.text, /--brand:#ffcc00;--brand-text:#000000;/, `${url}: dark text on a light brand colour`);
      assert.match(page.text, /<link rel="stylesheet" href="\/brand\/style\.css">/, url);
    }
    const unbranded = await getPage(plain.app, new CookieJar(), '/login');
    assert.match(unbranded.text, /<title>Log in · Latchkey<\/title>/);
    assert.doesNotMatch(unbranded.text, /<img|stylesheet/);
  });

  it('serves the logo and the style sheet, and lets the pages load them (CSP)', async () => {
    const image = await t.app.inject({ method: 'GET', url: '/brand/logo' });
    assert.equal(image.statusCode, 200);
    assert.equal(image.headers['content-type'], 'image/svg+xml');
    assert.match(String(image.headers['content-security-policy']), /default-src 'none'/, 'an SVG runs no script');
    const sheet = await t.app.inject({ method: 'GET', url: '/brand/style.css' });
    assert.equal(sheet.body, 'main{border:1px solid red}');
    assert.equal((await plain.app.inject({ method: 'GET', url: '/brand/logo' })).statusCode, 404, 'no logo file, no route');
    const page = await getPage(t.app, new CookieJar(), '/login');
    assert.match(String(page.headers['content-security-policy']), /img-src 'self'; style-src 'self' 'unsafe-inline'/);
  });

  it('keeps the logo origin in img-src when /login opens the CSP for our passkey scripts, and only there', async () => {
    const remote = await createTestInstance({ hasher: 'fast', env: { BRAND_LOGO_URL: 'https://cdn.example.test/logo.png' } });
    try {
      const login = String((await getPage(remote.app, new CookieJar(), '/login')).headers['content-security-policy']);
      assert.match(login, /img-src 'self' https:\/\/cdn\.example\.test;/);
      assert.match(login, /; script-src 'self'; connect-src 'self'$/);
      const signup = String((await getPage(remote.app, new CookieJar(), '/signup')).headers['content-security-policy']);
      assert.match(signup, /img-src 'self' https:\/\/cdn\.example\.test;/);
      assert.doesNotMatch(signup, /script-src/);
    } finally {
      await remote.close();
    }
  });

  it('speaks German with ?lang=de or Accept-Language, English otherwise, and says so in <html lang>', async () => {
    const asked = await getPage(t.app, new CookieJar(), '/login?lang=de');
    assert.match(asked.text, /<html lang="de">/);
    assert.match(asked.text, /<h1>Anmelden<\/h1>/);
    assert.match(asked.text, /<label for="username">Benutzername oder E-Mail<\/label>/);
    assert.equal(asked.headers['content-language'], 'de');
    const header = await t.app.inject({ method: 'GET', url: '/signup', headers: { 'accept-language': 'fr-CH, de;q=0.8, en;q=0.5' } });
    assert.match(header.body, /<h1>Konto erstellen<\/h1>/);
    const english = await t.app.inject({ method: 'GET', url: '/signup', headers: { 'accept-language': 'fr, en-GB;q=0.9, de;q=0.1' } });
    assert.match(english.body, /<html lang="en">/);
    assert.match(english.body, /<h1>Create an account<\/h1>/);
    const unknown = await getPage(t.app, new CookieJar(), '/login?lang=xx');
    assert.match(unknown.text, /<html lang="en">/, 'an unknown ?lang= is ignored');
    assert.match(asked.text, /<a href="\/login\?lang=en" lang="en" hreflang="en">English<\/a>/, 'a link to the other language');
  });

  it('keeps ?lang= across a form post (cookie), and puts a refused field in German with aria-invalid and focus', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login?lang=de');
    assert.equal(jar.get('lang'), 'de');
    const refused = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'brandy', password: 'wrong' });
    assert.equal(refused.status, 401);
    assert.match(refused.text, /<html lang="de">/);
    assert.match(refused.text, /<input id="password" name="password" type="password" required autocomplete="current-password" maxlength="1023" aria-invalid="true" aria-describedby="password-error" autofocus>/);
    assert.match(refused.text, /<p id="password-error" class="field-error">Benutzername oder Passwort ist falsch\.<\/p>/);
    assert.doesNotMatch(refused.text, /id="username"[^>]*autofocus/, 'only the invalid field is focused');
  });

  it('uses a template from TEMPLATES_DIR instead of the shipped one, the others unchanged', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/signup');
    const sent = await postForm(t.app, jar, '/signup', { csrf: hiddenField(form.text, 'csrf'), email: 'newcomer@example.com' });
    assert.equal(sent.status, 200);
    assert.match(sent.text, /<title>Acme: Check your email · Acme ID<\/title>/);
    assert.match(sent.text, /<p class="acme-own">Welcome aboard, see your inbox\.<\/p>/);
    const plainJar = new CookieJar();
    const plainForm = await getPage(plain.app, plainJar, '/signup');
    const shipped = await postForm(plain.app, plainJar, '/signup', { csrf: hiddenField(plainForm.text, 'csrf'), email: 'newcomer@example.com' });
    assert.match(shipped.text, /<h1>Check your email<\/h1>\n<p>If this address can be used/, 'without TEMPLATES_DIR: the shipped template');
    assert.match((await getPage(t.app, new CookieJar(), '/login')).text, /<h1>Log in<\/h1>/, 'templates not overridden stay');
  });

  it('names devices from their user agent, times relative in the page language, and never shows the account id', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'brandy', password: PASSWORD }, { 'user-agent': CHROME_LINUX });
    t.clock.advance(3 * 3_600_000);
    const account = await getPage(t.app, jar, '/account?lang=de');
    assert.equal(account.status, 200);
    assert.match(account.text, /<dd><span title="Mozilla\/5\.0 \(X11; Linux x86_64\)[^"]*">Chrome unter Linux<\/span><\/dd>/);
    assert.match(account.text, /<dt>Angemeldet<\/dt><dd><time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">vor 3 Stunden<\/time><\/dd>/);
    assert.ok(!account.text.includes(accountId), 'no account id');
    assert.match(account.text, /<button type="submit" class="danger">Überall sonst abmelden<\/button>|Sie sind nirgendwo sonst angemeldet/);
  });
  it('names the brand, not the host, as the issuer authenticator apps show once BRAND_NAME is set', async () => {
    const enrol = async (instance: TestInstance, user: string): Promise<URL> => {
      await instance.service.registerAccount({ username: user, password: PASSWORD });
      const pair = await login(instance.app, user, PASSWORD);
      const start = await call(instance.app, 'POST', '/api/v1/account/mfa/totp', { json: { password: PASSWORD }, headers: bearer(pair.access) });
      assert.equal(start.status, 200, start.text);
      return new URL(start.body.result.uri);
    };
    const branded = await enrol(t, 'totp-brand');
    assert.equal(branded.searchParams.get('issuer'), 'Acme ID');
    assert.equal(decodeURIComponent(branded.pathname), '/Acme ID:totp-brand', 'the entry reads Acme ID: the username');
    const unbranded = await enrol(plain, 'totp-plain');
    assert.equal(unbranded.searchParams.get('issuer'), 'localhost', 'without a brand: the site host');
  });
});
