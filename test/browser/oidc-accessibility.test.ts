/**
 * The OpenID Connect pages through axe-core, like every hosted page (test/browser/
 * accessibility.test.ts): the consent page (a third-party app asking for scopes) and the
 * provider's own pages (a refused sign-in request, a refused sign-out request, an app's sign-out
 * confirmation, signed out); phone and desktop, English and German, under a custom brand, no
 * serious or critical violation, no "Latchkey".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import { browserSkip, CHROMIUM } from '../support/browser.js';
import { freePort, listenOn } from '../support/free-port.js';
import { discover, PASSWORD, startOidcInstance, type OidcInstance } from '../oidc/support.js';
import { seriousViolations } from './axe.js';

const skip = browserSkip();

describe('accessibility of the OIDC consent and provider pages (axe-core), branded', { skip }, () => {
  let t: OidcInstance;
  let browser: Browser;
  let config: oidc.Configuration;
  let app: Server;
  let redirectUri: string;

  before(async () => {
    // The app: a loopback server that only says it was reached.
    const port = await freePort();
    redirectUri = `http://127.0.0.1:${port}/callback`;
    app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('the app'));
    await listenOn(app, port);
    t = await startOidcInstance({ env: { BRAND_NAME: 'Acme ID', BRAND_COLOR: '#7c3aed' } });
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    const added = await t.addClient({ name: 'Notes by Someone', redirectUris: [redirectUri], firstParty: false });
    config = await discover(t.issuer, added.client.id, added.secret);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    app?.close();
    await t?.close();
  });

  const STATES = {
    en: { consent: 'Allow Notes by Someone?', refused: 'Sign-in failed', signOutRefused: 'Sign-out failed', signOut: 'Sign out', signedOut: 'Signed out' },
    de: { consent: 'Notes by Someone erlauben?', refused: 'Anmeldung fehlgeschlagen', signOutRefused: 'Abmeldung fehlgeschlagen', signOut: 'Abmelden', signedOut: 'Abgemeldet' },
  } as const;

  for (const [lang, locale] of [['en', 'en-US'], ['de', 'de-DE']] as const) {
    for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
      it(`${lang} at ${viewport.width} px`, async () => {
        const context = await browser.newContext({ locale, viewport });
        const page = await context.newPage();
        const check = async (name: string, heading: string) => {
          assert.equal(await page.textContent('h1'), heading, name);
          assert.equal(await page.getAttribute('html', 'lang'), lang, name);
          assert.doesNotMatch(await page.content(), /Latchkey/, name);
          assert.deepEqual(await seriousViolations(page), [], name);
        };
        const authorization = async (redirect: string) =>
          oidc.buildAuthorizationUrl(config, {
            redirect_uri: redirect,
            scope: 'openid email profile',
            code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
            code_challenge_method: 'S256',
            state: oidc.randomState(),
          }).toString();

        await page.goto(await authorization('https://evil.example.test/callback'));
        await check('a refused sign-in request', STATES[lang].refused);
        await page.goto(`${t.issuer}/oidc/session/end?id_token_hint=not-a-token`);
        await check('a refused sign-out request', STATES[lang].signOutRefused);

        await page.goto(await authorization(redirectUri));
        await page.fill('#username', 'alice');
        await page.fill('#password', PASSWORD);
        await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
        await check('consent', STATES[lang].consent);
        await Promise.all([page.waitForURL(`${redirectUri}**`), page.click('button[value=allow]')]);

        await page.goto(`${t.issuer}/oidc/session/end`);
        await check('sign-out confirmation', STATES[lang].signOut);
        await Promise.all([page.waitForNavigation(), page.click('button[name=logout]')]);
        await check('signed out', STATES[lang].signedOut);
        await context.close();
      });
    }
  }
});
