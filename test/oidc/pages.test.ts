/**
 * The OpenID Connect provider's own pages (its error page, the RP-initiated logout confirmation,
 * the signed-out page) and the interaction's error page are hosted pages like the others
 * (docs/branding.md): the brand instead of "Latchkey", the visitor's language (Accept-Language,
 * `?lang=`, DEFAULT_LANGUAGE), the pages' security headers, and templates TEMPLATES_DIR replaces.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { Agent, authorize, discover, hiddenField, hiddenFields, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const APP = 'https://app.example.test/callback';
const GERMAN = { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5', accept: 'text/html' };
const templates = mkdtempSync(join(tmpdir(), 'latchkey-oidc-pages-'));

describe('the OIDC provider pages, branded and in the visitor language', () => {
  let t: OidcInstance;
  let config: oidc.Configuration;

  before(async () => {
    mkdirSync(join(templates, 'pages'));
    writeFileSync(join(templates, 'pages', 'oidc-signed-out.eta'), `<% layout('/pages/layout', { title: it.t('oidc.signed_out_title') }) %><p id="acme">Bis bald bei <%= it.brand.name %>.</p>`);
    t = await startOidcInstance({ env: { BRAND_NAME: 'Acme ID', BRAND_LOGO_URL: 'https://cdn.acme.example/logo.svg', TEMPLATES_DIR: templates } });
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    const added = await t.addClient({ name: 'Notes', redirectUris: [APP], postLogoutRedirectUris: ['https://app.example.test/'], firstParty: true });
    config = await discover(t.issuer, added.client.id, added.secret);
  });
  after(async () => {
    await t.close();
    rmSync(templates, { recursive: true, force: true });
  });

  const headersOf = (res: Response): { csp: string; lang: string | null } => ({ csp: res.headers.get('content-security-policy') ?? '', lang: res.headers.get('content-language') });

  it('a refused sign-in request is a German page of the brand, with the refusal for the developers', async () => {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: 'https://evil.example.test/callback', scope: 'openid', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' });
    const res = await new Agent().request(url.toString(), { headers: GERMAN });
    assert.equal(res.status, 400);
    const page = await res.text();
    assert.match(page, /<html lang="de">/);
    assert.match(page, /<title>Anmeldung fehlgeschlagen · Acme ID<\/title>/);
    assert.match(page, /Die Anmeldeanfrage der Anwendung wurde abgelehnt\./);
    assert.match(page, /redirect_uri/, 'the provider error stays readable for the developers');
    assert.doesNotMatch(page, /Latchkey/);
    const { csp, lang } = headersOf(res);
    assert.equal(lang, 'de');
    assert.match(csp, /default-src 'none'.*img-src 'self' https:\/\/cdn\.acme\.example.*frame-ancestors 'none'/);
  });

  it('?lang=de wins over an English browser, and is remembered in the language cookie', async () => {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: 'https://evil.example.test/callback', scope: 'openid', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256', lang: 'de' });
    const agent = new Agent();
    const res = await agent.request(url.toString(), { headers: { 'accept-language': 'en' } });
    assert.match(await res.text(), /<title>Anmeldung fehlgeschlagen · Acme ID<\/title>/);
    assert.equal(agent.cookies.get('lang'), 'de');
    const again = await agent.request(`${t.issuer}/oidc/session/end?id_token_hint=not-a-token`, { headers: { 'accept-language': 'en', accept: 'text/html' } });
    assert.match(await again.text(), /<title>Abmeldung fehlgeschlagen · Acme ID<\/title>/, 'the next page follows the cookie');
    const login = await agent.request(`${t.issuer}/login`, { headers: { 'accept-language': 'en' } });
    assert.match(await login.text(), /<html lang="de">/, 'and so do the other hosted pages');
  });

  it('a refused sign-out request says sign-out, not sign-in', async () => {
    const res = await new Agent().request(`${t.issuer}/oidc/session/end?id_token_hint=not-a-token`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 400);
    const page = await res.text();
    assert.match(page, /<title>Sign-out failed · Acme ID<\/title>/);
    assert.match(page, /The application(&#39;|')s sign-out request was refused\./);
  });

  it('the sign-out confirmation is German and branded, keeps the provider form, and signing out works', async () => {
    const agent = new Agent();
    const run = await authorize(config, agent, t.issuer, APP);
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: 'https://app.example.test/' });
    const confirm = await agent.request(url.toString(), { headers: GERMAN });
    assert.equal(confirm.status, 200);
    const page = await confirm.text();
    assert.match(page, /<title>Abmelden · Acme ID<\/title>/);
    assert.match(page, /Von Acme ID und Notes abmelden\?/);
    assert.match(page, /<form id="op\.logoutForm" method="post" action="[^"]+"><input type="hidden" name="xsrf" value="[^"]+"\/><\/form>/);
    assert.match(page, /<button autofocus type="submit" form="op\.logoutForm" value="yes" name="logout">Ja, abmelden<\/button>/);
    assert.match(page, /<button type="submit" form="op\.logoutForm" class="secondary">Nein, angemeldet bleiben<\/button>/);
    assert.doesNotMatch(page, /Latchkey/);
    assert.match(headersOf(confirm).csp, /form-action 'self' https:\/\/app\.example\.test;/, 'the redirect after the POST may go to the app');
    const action = /action="([^"]+)"/.exec(page)?.[1] ?? '';
    const out = await agent.request(new URL(action, t.issuer).toString(), { method: 'POST', form: { xsrf: hiddenField(page, 'xsrf'), logout: 'yes' }, headers: GERMAN });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), 'https://app.example.test/');
  });

  it('the signed-out page comes from TEMPLATES_DIR when replaced there, in the brand', async () => {
    const agent = new Agent();
    await authorize(config, agent, t.issuer, APP);
    const confirm = await agent.request(`${t.issuer}/oidc/session/end`, { headers: GERMAN });
    const page = await confirm.text();
    assert.match(page, /Von Acme ID und der Anwendung abmelden\?/, 'no app named: the question says the application');
    const action = /action="([^"]+)"/.exec(page)?.[1] ?? '';
    const out = await agent.request(new URL(action, t.issuer).toString(), { method: 'POST', form: { xsrf: hiddenField(page, 'xsrf'), logout: 'yes' }, headers: GERMAN });
    const done = await agent.request(new URL(out.headers.get('location') ?? '', t.issuer).toString(), { headers: GERMAN });
    const text = await done.text();
    assert.equal(done.status, 200);
    assert.match(text, /<title>Abgemeldet · Acme ID<\/title>/);
    assert.match(text, /<p id="acme">Bis bald bei Acme ID\.<\/p>/);
    assert.doesNotMatch(text, /Latchkey/);
  });

  it('an unknown or expired interaction is a German page of the brand', async () => {
    const res = await new Agent().request(`${t.issuer}/oidc/interaction/no-such-interaction`, { headers: GERMAN });
    assert.equal(res.status, 400);
    const page = await res.text();
    assert.match(page, /<title>Anmeldung fehlgeschlagen · Acme ID<\/title>/);
    assert.doesNotMatch(page, /Latchkey/);
    assert.match(headersOf(res).csp, /img-src 'self' https:\/\/cdn\.acme\.example/);
  });

  it('the consent page allows the logo from BRAND_LOGO_URL besides its own form-action', async () => {
    const other = await t.addClient({ name: 'Tracker', redirectUris: [APP] });
    const third = await discover(t.issuer, other.client.id, other.secret);
    const agent = new Agent();
    const url = oidc.buildAuthorizationUrl(third, { redirect_uri: APP, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: 's' });
    const login = await agent.follow(url.toString(), t.issuer);
    const form = hiddenFields(await login.res.text());
    const posted = await agent.request(`${t.issuer}/login`, { method: 'POST', form: { ...form, username: 'alice', password: PASSWORD } });
    const consent = await agent.follow(new URL(posted.headers.get('location') ?? '', t.issuer).toString(), t.issuer);
    assert.match(await consent.res.text(), /Tracker/);
    const { csp } = headersOf(consent.res);
    assert.match(csp, /img-src 'self' https:\/\/cdn\.acme\.example;/);
    assert.match(csp, /form-action 'self' https:\/\/app\.example\.test;/);
  });
});
