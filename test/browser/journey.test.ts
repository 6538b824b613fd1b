/**
 * The whole hosted-page journey in headless Chromium against a listening Latchkey: sign up by
 * email, open the emailed link, set the password, log in, see /account, change the password,
 * log out, ask for a reset and follow that link. No script runs on our pages, so this checks
 * that plain forms, the cookies, CSRF (Chromium sends `Origin: null` under no-referrer) and the
 * redirects work in a real browser. Screenshots go to test-artifacts/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { freePort } from '../support/free-port.js';
import { browserSkip, CHROMIUM } from '../support/browser.js';

const SHOTS = 'test-artifacts/screenshots';
const EMAIL = 'browser@example.com';

const skip = browserSkip();
if (skip) console.log(`# browser journey: ${skip}`);

describe('browser journey in headless Chromium', { skip }, () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  let browser: Browser;
  let page: Page;
  let origin: string;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mailbox = await startMailbox();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await createTestInstance({ smtpUrl: mailbox.url, env: { PUBLIC_URL: origin } }); // real argon2id
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 390, height: 760 } }); // a phone-sized window
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await mailbox?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

  async function latestLink(path: string, since: number): Promise<string> {
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => mailbox.messages.indexOf(m) >= since && m.to.includes(EMAIL) && m.links.some((l) => new URL(l).pathname === path));
    return linkFrom(mail, path);
  }

  it('signs up, confirms, logs in, changes the password, logs out and resets it', async () => {
    // Sign up on /signup.
    await page.goto(`${origin}/signup`);
    await shot('01-signup');
    let seen = mailbox.messages.length;
    await page.fill('#email', EMAIL);
    await page.click('button[type=submit]');
    assert.match(await page.textContent('h1') ?? '', /Check your email/);
    await shot('02-signup-sent');

    // Open the emailed link and choose a password.
    const confirmLink = await latestLink('/confirm', seen);
    assert.ok(confirmLink.startsWith(`${origin}/confirm?token=`));
    await page.goto(confirmLink);
    assert.match(await page.textContent('h1') ?? '', /Choose your password/);
    await page.fill('#password', 'first browser password');
    await page.fill('#password_confirm', 'first browser password');
    await shot('03-confirm');
    await page.click('button[type=submit]');
    assert.equal(new URL(page.url()).pathname, '/account', 'signed in by the link: no second login');
    await shot('04-confirmed');

    // Log out, then log in with the new password.
    await page.click('form[action="/logout"] button');
    assert.equal(new URL(page.url()).pathname, '/login');
    await page.fill('#username', EMAIL);
    await page.fill('#password', 'first browser password');
    await shot('05-login');
    await page.click('button[type=submit]');
    assert.equal(new URL(page.url()).pathname, '/account');
    const accountText = (await page.textContent('main')) ?? '';
    assert.match(accountText, new RegExp(EMAIL.replace('.', '\\.')));
    assert.doesNotMatch(accountText, /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no account id on the page');
    assert.match(accountText, /Device\s*Chrome Headless on Linux/, 'the device named from its user agent');
    const cookies = await page.context().cookies();
    const sessionCookie = cookies.find((c) => c.name === 'sessionid');
    assert.ok(sessionCookie?.httpOnly && sessionCookie.sameSite === 'Lax');
    await shot('06-account');

    // Log in on a second device (its own cookies), then end that session from this one.
    const device = await browser.newContext({ viewport: { width: 390, height: 760 }, userAgent: 'Second device/1.0' });
    const devicePage = await device.newPage();
    await devicePage.goto(`${origin}/login`);
    await devicePage.fill('#username', EMAIL);
    await devicePage.fill('#password', 'first browser password');
    await devicePage.click('button[type=submit]');
    assert.equal(new URL(devicePage.url()).pathname, '/account');
    await page.goto(`${origin}/account`);
    const otherSession = page.locator('li').filter({ hasNotText: 'This device' });
    assert.match((await otherSession.textContent()) ?? '', /Second device\/1\.0/);
    await shot('06a-sessions');
    await otherSession.locator('form[action="/account/sessions/end"] button').click();
    assert.match(await page.textContent('main') ?? '', /That session has been logged out/);
    assert.equal(await page.locator('li').count(), 1, 'only this device is left');
    await devicePage.goto(`${origin}/account`);
    assert.equal(new URL(devicePage.url()).pathname, '/login', 'the second device is logged out');
    await device.close();
    await shot('06b-session-ended');
    await page.goto(`${origin}/account`);

    // Change the password.
    await page.fill('#current_password', 'first browser password');
    await page.fill('#password', 'second browser password');
    await page.fill('#password_confirm', 'second browser password');
    await page.click('form[action="/account/password"] button');
    assert.match(await page.textContent('main') ?? '', /password has been changed/);
    await shot('07-password-changed');

    // Log out.
    await page.click('form[action="/logout"] button');
    assert.equal(new URL(page.url()).pathname, '/login');
    await shot('08-logged-out');
    await page.goto(`${origin}/account`);
    assert.equal(new URL(page.url()).pathname, '/login', 'the session is gone');

    // Forgot the password: ask for a reset and follow the link.
    await page.goto(`${origin}/reset`);
    seen = mailbox.messages.length;
    await page.fill('#identifier', EMAIL);
    await shot('09-reset-request');
    await page.click('button[type=submit]');
    assert.match(await page.textContent('h1') ?? '', /Check your email/);
    const resetLink = await latestLink('/reset', seen);
    await page.goto(resetLink);
    await page.fill('#password', 'third browser password');
    await page.fill('#password_confirm', 'third browser password');
    await shot('10-reset-form');
    await page.click('button[type=submit]');
    assert.equal(new URL(page.url()).pathname, '/account', 'signed in anew by the reset link');
    await shot('11-reset-done');

    // The new password logs in; the reset link is spent.
    await page.goto(`${origin}/login`);
    await page.fill('#username', EMAIL);
    await page.fill('#password', 'third browser password');
    await page.click('button[type=submit]');
    assert.equal(new URL(page.url()).pathname, '/account');
    await page.goto(resetLink);
    assert.match(await page.textContent('main') ?? '', /expired or has already been used/);
    await shot('12-reset-link-spent');
  });
});
