/**
 * The OpenID Connect consent page (a third-party app asking for scopes) through axe-core, like
 * every hosted page (test/browser/accessibility.test.ts): phone and desktop, English and German,
 * under a custom brand, no serious or critical violation, no "Latchkey".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { chromium, type Browser } from 'playwright-core';
import { browserSkip, CHROMIUM } from '../support/browser.js';
import { discover, PASSWORD, startOidcInstance, type OidcInstance } from '../oidc/support.js';
import { seriousViolations } from './axe.js';

const skip = browserSkip();

describe('accessibility of the consent page (axe-core), branded', { skip }, () => {
  let t: OidcInstance;
  let browser: Browser;
  let config: oidc.Configuration;
  const redirectUri = 'http://127.0.0.1:9/callback'; // never reached: the test stops at the consent page

  before(async () => {
    t = await startOidcInstance({ env: { BRAND_NAME: 'Acme ID', BRAND_COLOR: '#7c3aed' } });
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    const added = await t.addClient({ name: 'Notes by Someone', redirectUris: [redirectUri], firstParty: false });
    config = await discover(t.issuer, added.client.id, added.secret);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  for (const [lang, locale, heading] of [['en', 'en-US', 'Allow Notes by Someone?'], ['de', 'de-DE', 'Notes by Someone erlauben?']] as const) {
    for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
      it(`${lang} at ${viewport.width} px`, async () => {
        const context = await browser.newContext({ locale, viewport });
        const page = await context.newPage();
        const url = oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid email profile',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
          state: oidc.randomState(),
        });
        await page.goto(url.toString());
        await page.fill('#username', 'alice');
        await page.fill('#password', PASSWORD);
        await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
        assert.equal(await page.textContent('h1'), heading);
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        assert.doesNotMatch(await page.content(), /Latchkey/);
        assert.deepEqual(await seriousViolations(page), []);
        await context.close();
      });
    }
  }
});
