/**
 * Passkeys in headless Chromium with its virtual authenticator (DevTools Protocol
 * `WebAuthn.enable` + `WebAuthn.addVirtualAuthenticator`: a platform authenticator with resident
 * keys and user verification): register a passkey on /account (the first factor: ten recovery
 * codes shown once), log out, sign in on /login with the passkey and no password (back to the
 * allowed `return_to`), then log in with the password and finish the second step with the
 * passkey. WebAuthn needs a secure context: the origin is http://localhost. Introspection
 * reports `hwk`. SQLite, and PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { browserSkip, CHROMIUM } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { startMailbox, type Mailbox } from '../support/mailbox.js';

const PASSWORD = 'passkey browser password';
const EMAIL = 'pat@example.com';

const skip = browserSkip();
if (skip) console.log(`# passkeys in Chromium: ${skip}`);

describe('passkeys in headless Chromium', { skip, timeout: 120_000 }, () => {
  let t: TestInstance;
  let mailbox: Mailbox;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let origin: string;

  before(async () => {
    mailbox = await startMailbox();
    const port = await freePort();
    origin = `http://localhost:${port}`;
    t = await createTestInstance({ hasher: 'fast', smtpUrl: mailbox.url, env: { PUBLIC_URL: origin, RETURN_TO_ORIGINS: `${origin}/welcome` } });
    await t.app.listen({ port, host: '127.0.0.1' });
    const made = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'pat', password: PASSWORD, email: EMAIL } });
    assert.equal(made.status, 200, made.text);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    context = await browser.newContext();
    page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await mailbox?.stop();
  });

  async function introspectedAmr(): Promise<string[]> {
    const sessionid = (await context.cookies()).find((c) => c.name === 'sessionid')?.value;
    assert.ok(sessionid, 'signed in: a session cookie');
    const key = (await t.latchkey.services.addServiceKey(`reader-${Date.now()}-${Math.random()}`)).credential;
    const seen = await call(t.app, 'POST', '/api/v1/introspect', { json: { session: sessionid }, headers: bearer(key) });
    assert.equal(seen.status, 200, seen.text);
    return seen.body.result.amr as string[];
  }

  async function passwordLogin(): Promise<void> {
    await page.goto(`${origin}/login`);
    await page.fill('#username', 'pat');
    await page.fill('#password', PASSWORD);
    await page.click('form[action="/login"] button');
  }

  it('registers a passkey on /account, then signs in with it on /login without a password', async () => {
    await passwordLogin();
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.match((await page.textContent('#passkeys')) ?? '', /None\./);
    await page.fill('#pk_new_passkey_password', PASSWORD);
    await page.click('form[action="/account/passkeys/start"] button');
    assert.match((await page.textContent('h1')) ?? '', /Add a passkey/);
    await page.fill('#name', 'Test laptop');
    await page.click('form[action="/account/passkeys/finish"] button');
    await page.waitForURL(`${origin}/account/passkeys/finish`);
    assert.match((await page.textContent('h1')) ?? '', /Your recovery codes/, 'the first factor shows the recovery codes');
    assert.equal(await page.locator('ul.codes li').count(), 10);

    await page.goto(`${origin}/account`);
    assert.match((await page.textContent('#passkeys')) ?? '', /Test laptop · added/);
    await t.flushOutbox();
    await mailbox.waitFor((m) => m.to.includes(EMAIL) && /A passkey was added/.test(m.text));
    await page.click('form[action="/logout"] button');
    assert.equal(new URL(page.url()).pathname, '/login');

    await page.goto(`${origin}/login?return_to=${encodeURIComponent(`${origin}/welcome/back`)}`);
    await page.click('form[action="/login/passkey"] button');
    await page.waitForURL(`${origin}/welcome/back`);
    assert.deepEqual(await introspectedAmr(), ['hwk'], 'a passkey alone: hwk');
    await page.goto(`${origin}/account`);
    assert.match((await page.textContent('#passkeys')) ?? '', /last used/);
  });

  it('uses the passkey as the second step after the password', async () => {
    await context.clearCookies();
    await passwordLogin();
    assert.match((await page.textContent('h1')) ?? '', /Enter your code/, 'the password leads to the second step');
    await page.click('form[action="/login/mfa/passkey"] button');
    await page.waitForURL(`${origin}/account`);
    assert.deepEqual(await introspectedAmr(), ['pwd', 'hwk']);
  });
});
