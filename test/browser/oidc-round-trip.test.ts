/**
 * The whole OpenID Connect round trip in headless Chromium, from an app on another origin built
 * with openid-client as any app would be: the app sends the browser to Latchkey, the user signs
 * in on Latchkey's page (its CSP `form-action` must let the redirect back to the app through),
 * the app gets verified tokens; a second sign-in goes straight back; after the user logs out
 * of Latchkey the app's refresh fails. With prompt=login a signed-in user signs in again first.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { browserSkip, CHROMIUM } from '../support/browser.js';
import { freePort, listenOn } from '../support/free-port.js';
import { discover, PASSWORD, startOidcInstance, type OidcInstance } from '../oidc/support.js';

const skip = browserSkip();

/** A tiny app on its own origin: /login starts a sign-in (passing on `prompt` and `max_age`), /callback finishes it and shows who signed in and when. */
async function startApp(config: () => oidc.Configuration, redirectUri: string, port: number): Promise<{ server: Server; refreshToken: () => string | null }> {
  const pending = new Map<string, { verifier: string; nonce: string }>();
  let refresh: string | null = null;
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname === '/login') {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        pending.set(state, { verifier, nonce });
        const to = oidc.buildAuthorizationUrl(config(), {
          redirect_uri: redirectUri,
          scope: 'openid email profile offline_access',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
          ...Object.fromEntries(['prompt', 'max_age'].flatMap((k) => (url.searchParams.has(k) ? [[k, url.searchParams.get(k) as string]] : []))),
        });
        res.writeHead(302, { location: to.toString() }).end();
        return;
      }
      if (url.pathname === '/callback') {
        const state = url.searchParams.get('state') ?? '';
        const p = pending.get(state);
        if (!p) return void res.writeHead(400).end('unknown state');
        const tokens = await oidc.authorizationCodeGrant(config(), url, { pkceCodeVerifier: p.verifier, expectedState: state, expectedNonce: p.nonce });
        refresh = tokens.refresh_token ?? null;
        const info = await oidc.fetchUserInfo(config(), tokens.access_token, tokens.claims()!.sub);
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<p id="who">signed in as ${String(info.preferred_username)}</p><p id="auth-time">${String(tokens.claims()?.auth_time)}</p>`);
        return;
      }
      res.writeHead(404).end();
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await listenOn(server, port);
  return { server, refreshToken: () => refresh };
}

describe('OIDC round trip in headless Chromium', { skip }, () => {
  let t: OidcInstance;
  let browser: Browser;
  let page: Page;
  let app: Awaited<ReturnType<typeof startApp>>;
  let config: oidc.Configuration;
  let appOrigin: string;

  before(async () => {
    t = await startOidcInstance();
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    const port = await freePort();
    appOrigin = `http://localhost:${port}`;
    const added = await t.addClient({ name: 'Notes', redirectUris: [`${appOrigin}/callback`], firstParty: true });
    config = await discover(t.issuer, added.client.id, added.secret);
    app = await startApp(() => config, `${appOrigin}/callback`, port);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    app?.server.close();
    await t?.close();
  });

  it('signs in from another origin, returns without a form the second time, and ends with the Latchkey logout', async () => {
    await page.goto(`${appOrigin}/login`);
    assert.equal(new URL(page.url()).origin, t.issuer);
    await page.fill('#username', 'alice');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${appOrigin}/callback**`), page.click('button[type=submit]')]);
    assert.equal(await page.textContent('#who'), 'signed in as alice');

    await page.goto(`${appOrigin}/login`);
    await page.waitForURL(`${appOrigin}/callback**`);
    assert.equal(await page.textContent('#who'), 'signed in as alice');
    const refresh = app.refreshToken();
    assert.ok(refresh);
    const next = await oidc.refreshTokenGrant(config, refresh);
    assert.ok(next.refresh_token);

    await page.goto(`${t.issuer}/account`);
    await Promise.all([page.waitForURL(`${t.issuer}/login`), page.click('form[action="/logout"] button')]);
    await assert.rejects(oidc.refreshTokenGrant(config, next.refresh_token), (err: unknown) => (err as { error?: string }).error === 'invalid_grant');
  });

  it('with prompt=login a signed-in user signs in again on the login form, and the app sees the new auth_time', async () => {
    t.clock.set(Date.now() - 120_000); // the first sign-in two minutes ago
    await page.goto(`${appOrigin}/login`);
    await page.fill('#username', 'alice');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${appOrigin}/callback**`), page.click('button[type=submit]')]);
    const first = Number(await page.textContent('#auth-time'));

    t.clock.followRealTime(); // now: Latchkey's login times are compared with oidc-provider's real clock, as in production
    await page.goto(`${appOrigin}/login?prompt=login`);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.match((await page.textContent('[role=status]')) ?? '', /sign in again/);
    await page.fill('#username', 'alice');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${appOrigin}/callback**`), page.click('button[type=submit]')]);
    assert.equal(await page.textContent('#who'), 'signed in as alice');
    assert.ok(Number(await page.textContent('#auth-time')) > first, 'auth_time is the new sign-in');
  });
});
