/**
 * The whole app round trip in headless Chromium, over TLS on two sibling hosts, on SQLite and on
 * PostgreSQL (this file sits outside test/browser/ so the PostgreSQL pass runs it too): the
 * example app on app.example.test sends an unknown visitor to Latchkey's /signup?return_to=…
 * on auth.example.test; the user signs up, opens the emailed link (from the SMTP sink) in
 * another tab, chooses a password and lands back in the app signed in; the app's back end
 * learns who it is from /api/v1/introspect with the session cookie that COOKIE_DOMAIN lets it
 * see. A return_to outside RETURN_TO_ORIGINS leaves the browser on Latchkey's /account.
 * The certificate is made here with openssl; Chromium maps *.example.test to 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { browserSkip, CHROMIUM } from '../support/browser.js';
import { listenOn } from '../support/free-port.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { decodeJwt, login } from '../support/jwt-api.js';
import { startExampleApp, type ExampleApp } from './example-app.js';

const EMAIL = 'round-trip@example.com';
const PASSWORD = 'there and back again';

const skip = browserSkip();
if (skip) console.log(`# app round trip: ${skip}`);

/** A self-signed certificate for both host names, made with openssl in a temporary folder. */
function makeCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=auth.example.test', '-addext', 'subjectAltName=DNS:auth.example.test,DNS:app.example.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore', timeout: 30_000 });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An https server listening on 127.0.0.1 at a port the OS picked, with no request handler yet. */
async function listenTls(tls: { key: string; cert: string }): Promise<Server> {
  const server = createServer(tls);
  await listenOn(server, 0);
  return server;
}

const portOf = (server: Server): number => (server.address() as AddressInfo).port;

describe('app round trip in headless Chromium over TLS (sibling hosts)', { skip }, () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  let tlsServer: Server;
  let appServer: Server;
  let app: ExampleApp;
  let browser: Browser;
  let context: BrowserContext;
  let auth: string;
  let appOrigin: string;

  before(async () => {
    const tls = makeCertificate();
    // Both listeners take their ports first (the OS picks them) and get their handlers later:
    // a port found free and listened on only after Latchkey's start-up could meanwhile be taken
    // by another socket (the source port of a database connection), which failed this hook once.
    tlsServer = await listenTls(tls);
    appServer = await listenTls(tls);
    const [authPort, appPort] = [portOf(tlsServer), portOf(appServer)];
    auth = `https://auth.example.test:${authPort}`;
    appOrigin = `https://app.example.test:${appPort}`;
    mailbox = await startMailbox();
    t = await createTestInstance({
      smtpUrl: mailbox.url,
      hasher: 'fast',
      env: { PUBLIC_URL: auth, COOKIE_DOMAIN: 'example.test', RETURN_TO_ORIGINS: appOrigin },
    });
    // Latchkey's own request handler behind a TLS listener (the app never listens itself).
    tlsServer.on('request', t.app.routing);
    const serviceKey = (await t.latchkey.services.addServiceKey('example-app')).credential;
    app = startExampleApp(appServer, { origin: appOrigin, latchkeyUrl: auth, latchkeyPort: authPort, serviceKey, tls });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--ignore-certificate-errors', '--host-resolver-rules=MAP *.example.test 127.0.0.1'],
    });
    context = await browser.newContext({ ignoreHTTPSErrors: true });
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
    tlsServer?.closeAllConnections();
    await new Promise<void>((resolve) => (tlsServer ? tlsServer.close(() => resolve()) : resolve()));
    await t?.close();
    await mailbox?.stop();
  });

  it('signs up from the app, confirms from the email in another tab, and lands back in the app, which learns who it is by introspection', async () => {
    const page = await context.newPage();
    await page.goto(`${appOrigin}/`);
    const signup = new URL(page.url());
    assert.equal(signup.origin, auth, 'the app sent the visitor to Latchkey');
    assert.equal(signup.pathname, '/signup');
    assert.equal(signup.searchParams.get('return_to'), `${appOrigin}/welcome`);
    await page.fill('#email', EMAIL);
    await page.click('button[type=submit]');
    assert.match((await page.textContent('h1')) ?? '', /Check your email/);

    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => m.to.includes(EMAIL) && m.links.some((l) => new URL(l).pathname === '/confirm'), 20_000);
    const link = linkFrom(mail, '/confirm');
    assert.equal(new URL(link).searchParams.get('return_to'), `${appOrigin}/welcome`, 'the emailed link carries return_to');

    const tab = await context.newPage(); // the mail client opens the link in another tab
    await tab.goto(link);
    assert.match((await tab.textContent('h1')) ?? '', /Choose your password/);
    await tab.fill('#password', PASSWORD);
    await tab.fill('#password_confirm', PASSWORD);
    await Promise.all([tab.waitForURL(`${appOrigin}/welcome`, { timeout: 60_000 }), tab.click('button[type=submit]')]);
    assert.match((await tab.textContent('h1')) ?? '', /Welcome back/);

    // The app's back end named the account through /api/v1/introspect: the same UUID as a login's `sub`.
    const shown = (await tab.textContent('#uuid')) ?? '';
    const pair = await login(t.app, EMAIL, PASSWORD);
    assert.equal(shown, decodeJwt(pair.access).payload.sub);
    const last = app.introspections.at(-1);
    assert.equal(last?.active, true);
    assert.equal(last?.uuid, shown);

    const cookie = (await context.cookies(auth)).find((c) => c.name === 'sessionid');
    assert.ok(cookie, 'the session cookie is set');
    assert.equal(cookie.domain, '.example.test', 'COOKIE_DOMAIN lets sibling hosts receive it');
    assert.ok(cookie.secure && cookie.httpOnly && cookie.sameSite === 'Lax');

    // The first tab, back at the app, is signed in too (one browser, one session).
    await page.goto(`${appOrigin}/`);
    assert.match((await page.textContent('#who')) ?? '', new RegExp(shown));
  });

  it('logs in with a return_to outside RETURN_TO_ORIGINS and stays on Latchkey (/account)', async () => {
    const fresh = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await fresh.newPage();
      for (const evil of [`https://evil.example.test:${new URL(appOrigin).port}/`, `//evil.example.test/`, `${appOrigin}@evil.example.test/`]) {
        await page.goto(`${auth}/login?return_to=${encodeURIComponent(evil)}`);
        await page.fill('#username', EMAIL);
        await page.fill('#password', PASSWORD);
        await Promise.all([page.waitForURL(`${auth}/account`, { timeout: 60_000 }), page.click('button[type=submit]')]);
        assert.equal(new URL(page.url()).origin, auth);
        await fresh.clearCookies();
      }
    } finally {
      await fresh.close();
    }
  });
});
