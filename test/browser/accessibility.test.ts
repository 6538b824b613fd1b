/**
 * Every hosted page passes axe-core (WCAG 2.1 A/AA and best practices) with no serious or
 * critical violation, at a phone's width (390 px) and a desktop's, in English and in German
 * (the browser's Accept-Language), under a custom brand (docs/branding.md): sign-up, its emailed
 * link, the bad-link and resend pages, reset and its link, login and a refused login, the
 * second step and a refused code, /account (with and without a second factor and an app
 * password, and with a passkey listed), turning on an authenticator app, recovery codes, a new
 * app password, the delete step, the second step offering a passkey, adding a passkey, the
 * enrolment-only page of REQUIRE_MFA (an instance of its own), and the error page.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { browserSkip, CHROMIUM } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { codeAt } from '../mfa/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { softAuthenticator } from '../passkeys/authenticator.js';
import { addPasskey, passwordLogin } from '../passkeys/helpers.js';
import { seriousViolations } from './axe.js';

/**
 * The id of the focused element, once it is `expected` or after 5 s. Chromium applies
 * `autofocus` at its next rendering step, which can come after the load event a navigation
 * waits for: reading the focus at once lost that race on a loaded machine.
 */
async function focusedId(page: Page, expected: string): Promise<string> {
  await page.waitForFunction(`document.activeElement && document.activeElement.id === ${JSON.stringify(expected)}`, undefined, { timeout: 5000 }).catch(() => {});
  return String(await page.evaluate('document.activeElement ? document.activeElement.id : ""'));
}

const PASSWORD = 'accessible pages password';
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 900 },
];
const LANGUAGES = [
  { lang: 'en', locale: 'en-US', title: /^Your account · Acme ID$/ },
  { lang: 'de', locale: 'de-DE', title: /^Ihr Konto · Acme ID$/ },
];
const dir = mkdtempSync(join(tmpdir(), 'latchkey-axe-'));

const skip = browserSkip();

describe('accessibility of every page (axe-core), phone and desktop, English and German, branded', { skip }, () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  let strict: TestInstance;
  let browser: Browser;
  let origin: string;
  let strictOrigin: string;

  before(async () => {
    mailbox = await startMailbox();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32"><rect width="120" height="32" fill="#0b7a75"/></svg>');
    writeFileSync(join(dir, 'brand.css'), 'body{background:#eef6f5}');
    const env = { PUBLIC_URL: origin, BRAND_NAME: 'Acme ID', BRAND_COLOR: '#14b8a6', BRAND_LOGO_FILE: join(dir, 'logo.svg'), BRAND_CSS_FILE: join(dir, 'brand.css') };
    t = await createTestInstance({ hasher: 'fast', smtpUrl: mailbox.url, env });
    await t.app.listen({ port, host: '127.0.0.1' });
    const strictPort = await freePort();
    strictOrigin = `http://127.0.0.1:${strictPort}`;
    strict = await createTestInstance({ hasher: 'fast', smtpUrl: mailbox.url, env: { ...env, PUBLIC_URL: strictOrigin, REQUIRE_MFA: 'true' } });
    await strict.app.listen({ port: strictPort, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await strict?.close();
    await mailbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function link(email: string, path: string): Promise<string> {
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => m.to.includes(email) && m.links.some((l) => new URL(l).pathname === path));
    return linkFrom(mail, path);
  }

  /** Submits the form that holds `selector` and waits for the next page. */
  async function submit(page: Page, selector: string): Promise<void> {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
  }

  it('the check sees a violation: an input that lost its label, text without contrast', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/login`);
    assert.deepEqual(await seriousViolations(page), [], 'the page as served');
    await page.evaluate(`document.querySelector('label[for=username]').remove(); document.querySelector('h1').setAttribute('style', 'color:#f4f5f7')`);
    const found = (await seriousViolations(page)).map((v) => v.id).sort();
    assert.deepEqual(found, ['color-contrast', 'label']);
    await page.close();
  });

  for (const { lang, locale, title } of LANGUAGES) {
    for (const viewport of VIEWPORTS) {
      it(`${lang}, ${viewport.name} (${viewport.width} px): no serious or critical violation on any page`, async () => {
        const context = await browser.newContext({ locale, viewport: { width: viewport.width, height: viewport.height } });
        const page = await context.newPage();
        const problems: string[] = [];
        const checked: string[] = [];
        const check = async (name: string) => {
          assert.equal(await page.getAttribute('html', 'lang'), lang, `${name}: <html lang>`);
          assert.doesNotMatch(await page.content(), /Latchkey/, `${name}: the brand replaces Latchkey`);
          for (const v of await seriousViolations(page)) problems.push(`${name}: ${v.id} (${v.impact}) ${v.help} at ${v.targets.join(', ')}`);
          checked.push(name);
        };
        const user = `ally-${lang}-${viewport.name}`;
        const email = `${user}@example.com`;
        await t.service.registerAccount({ username: user, password: PASSWORD, email });

        // Signing up, and the emailed link.
        const newcomer = `new-${user}@example.com`;
        await page.goto(`${origin}/signup`);
        await check('signup');
        await page.fill('#email', newcomer);
        await submit(page, 'button[type=submit]');
        await check('signup: sent');
        await page.goto(await link(newcomer, '/confirm'));
        await check('confirm: choose a password');
        await page.fill('#password', 'short');
        await page.fill('#password_confirm', 'other');
        await submit(page, 'button[type=submit]');
        assert.equal(await page.getAttribute('#password_confirm', 'aria-invalid'), 'true');
        assert.equal(await focusedId(page, 'password_confirm'), 'password_confirm', 'the invalid field has the focus');
        await check('confirm: refused');
        await page.goto(`${origin}/confirm?token=used-or-wrong`);
        await check('confirm: bad link');
        await page.goto(`${origin}/confirm/resend`);
        await check('confirm: resend');

        // Reset.
        await page.goto(`${origin}/reset`);
        await check('reset');
        await page.fill('#identifier', email);
        await submit(page, 'button[type=submit]');
        await check('reset: sent');
        await page.goto(await link(email, '/reset'));
        await check('reset: new password');
        await page.goto(`${origin}/email/confirm?token=wrong`);
        await check('email change: bad link');

        // Login, refused and accepted; the account page; the delete step.
        await page.goto(`${origin}/login`);
        await check('login');
        await page.fill('#username', user);
        await page.fill('#password', 'not the password');
        await submit(page, 'button[type=submit]');
        assert.equal(await focusedId(page, 'password'), 'password', 'the password field has the focus after a refused login');
        await check('login: refused');
        await page.fill('#password', PASSWORD);
        await submit(page, 'button[type=submit]');
        assert.match(await page.title(), title);
        await check('account');
        await page.goto(`${origin}/account/delete`);
        await check('delete account');

        // Turning on an authenticator app, the recovery codes, an app password.
        await page.goto(`${origin}/account`);
        await page.fill('#mfa_password', PASSWORD);
        await submit(page, 'form[action="/account/mfa/totp"] button');
        await check('authenticator app: enrol');
        const secret = (await page.textContent('dd code')) ?? '';
        await page.fill('#code', codeAt(secret, t.clock));
        await submit(page, 'button[type=submit]');
        await check('recovery codes');
        await page.goto(`${origin}/account`);
        t.clock.advance(30_000);
        await page.fill('#ap_name', 'Mail app');
        await page.fill('#ap_new_password', PASSWORD);
        await page.fill('#ap_new_code', codeAt(secret, t.clock));
        await submit(page, 'form[action="/account/app-passwords"] button');
        await check('app password: new');
        await page.goto(`${origin}/account`);
        await check('account: second factor and an app password');

        // The second step, refused and accepted.
        await submit(page, 'form[action="/logout"] button');
        await page.fill('#username', user);
        await page.fill('#password', PASSWORD);
        await submit(page, 'button[type=submit]');
        await check('second step');
        await page.fill('#code', '000000');
        await submit(page, 'button[type=submit]');
        await check('second step: refused');
        t.clock.advance(30_000);
        await page.fill('#code', codeAt(secret, t.clock));
        await submit(page, 'button[type=submit]');
        assert.match(await page.title(), title);

        // Passkeys: a second account whose only factor is a passkey (added through the forms with
        // a software authenticator): the second step offering it, the account page listing it,
        // the page that adds another.
        const pkUser = `pk-${user}`;
        await t.service.registerAccount({ username: pkUser, password: PASSWORD, email: `${pkUser}@example.com` });
        const jar = new CookieJar();
        assert.equal((await passwordLogin(t, jar, pkUser, PASSWORD)).status, 303);
        const added = await addPasskey(t, jar, softAuthenticator('127.0.0.1', origin), { passkey_password: PASSWORD }, 'Laptop');
        const recovery = [...added.page.text.matchAll(/<li><code>([a-z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1] as string);
        await page.goto(`${origin}/account`);
        await submit(page, 'form[action="/logout"] button');
        await page.fill('#username', pkUser);
        await page.fill('#password', PASSWORD);
        await submit(page, 'button[type=submit]');
        assert.equal(await page.locator('form[action="/login/mfa/passkey"] button').count(), 1, 'the passkey is offered');
        await check('second step: a passkey offered');
        await page.fill('#code', recovery[0] as string);
        await submit(page, 'form[action="/login/mfa"] button');
        assert.match(await page.title(), title);
        assert.equal(await page.locator('#passkeys li strong').textContent(), 'Laptop');
        await check('account: a passkey listed');
        await page.fill('#pk_new_passkey_password', PASSWORD);
        await page.fill('#pk_new_code', recovery[1] as string);
        await submit(page, 'form[action="/account/passkeys/start"] button');
        await check('passkey: add');

        // REQUIRE_MFA: an account without a factor sees only the enrolment forms.
        await strict.service.registerAccount({ username: user, password: PASSWORD, email });
        await page.goto(`${strictOrigin}/login`);
        await page.fill('#username', user);
        await page.fill('#password', PASSWORD);
        await submit(page, 'button[type=submit]');
        assert.equal(await page.locator('form[action="/account/passkeys/start"]').count(), 1, 'the enrolment page');
        assert.equal(await page.locator('form[action="/account/password"]').count(), 0, 'nothing else');
        await check('enrolment only (REQUIRE_MFA)');

        // The error page: a form whose CSRF field was tampered with (403).
        await page.goto(`${origin}/reset`);
        await page.evaluate(`document.querySelector('input[name=csrf]').setAttribute('value', 'tampered')`);
        await page.fill('#identifier', email);
        await submit(page, 'button[type=submit]');
        await check('error page');

        await context.close();
        assert.deepEqual(problems, []);
        assert.equal(checked.length, 25, checked.join(', '));
      });
    }
  }
});
