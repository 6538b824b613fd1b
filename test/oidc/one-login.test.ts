/**
 * One login: the OIDC interaction answers from Latchkey's cookie session. A user already signed
 * in goes straight back to the app; a third-party client asks for consent; logging out of
 * Latchkey ends the grants given under that session; disabling the account stops its tokens; a
 * public client (no secret, PKCE) calls the token endpoint cross-origin from its own origin only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { Agent, authorize, discover, hiddenField, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const APP = 'https://app.example.test/callback';
const SPA = 'https://spa.example.test/callback';
const isError = (code: string) => (err: unknown): boolean => (err as { error?: string }).error === code;

describe('OpenID Connect provider on the Latchkey session', () => {
  let t: OidcInstance;
  let firstParty: oidc.Configuration;
  let thirdParty: oidc.Configuration;
  let spaClientId: string;

  async function signIn(config: oidc.Configuration, agent: Agent, options: { consent?: 'allow' | 'deny'; username?: string } = {}) {
    const run = await authorize(config, agent, t.issuer, APP, options);
    return oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
  }

  before(async () => {
    t = await startOidcInstance();
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    await t.service.registerAccount({ username: 'bob', password: PASSWORD });
    const a = await t.addClient({ name: 'Notes', redirectUris: [APP], postLogoutRedirectUris: ['https://app.example.test/'], firstParty: true });
    const b = await t.addClient({ name: 'Tracker', redirectUris: [APP] });
    const spa = await t.addClient({ name: 'Board', redirectUris: [SPA], public: true });
    spaClientId = spa.client.id;
    firstParty = await discover(t.issuer, a.client.id, a.secret);
    thirdParty = await discover(t.issuer, b.client.id, b.secret);
  });
  after(async () => t.close());

  it('a user signed in to Latchkey goes straight back to the app, with no login form', async () => {
    const agent = new Agent();
    await signIn(firstParty, agent);
    assert.ok(agent.cookies.has('sessionid'), 'the interaction login started a Latchkey session');
    const url = oidc.buildAuthorizationUrl(firstParty, { redirect_uri: APP, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: 's' });
    const { url: landed } = await agent.follow(url.toString(), t.issuer);
    assert.equal(new URL(landed).origin, 'https://app.example.test');
    assert.ok(new URL(landed).searchParams.get('code'));
  });

  it('a third-party client shows the consent page once; deny sends access_denied back', async () => {
    const agent = new Agent();
    const tokens = await signIn(thirdParty, agent, { consent: 'allow' });
    assert.ok(tokens.access_token);
    const again = await authorize(thirdParty, agent, t.issuer, APP, { consent: 'deny' });
    assert.ok(again.callback.searchParams.get('code'), 'the consent given under this session is remembered');
    const denied = await authorize(thirdParty, new Agent(), t.issuer, APP, { consent: 'deny' });
    assert.equal(denied.callback.searchParams.get('error'), 'access_denied');
  });

  it('logging out of Latchkey ends the grants of that session: refresh fails, introspection says inactive', async () => {
    const agent = new Agent();
    const tokens = await signIn(firstParty, agent);
    assert.equal((await oidc.tokenIntrospection(firstParty, tokens.access_token)).active, true);
    const account = await agent.request(`${t.issuer}/account`);
    const csrf = hiddenField(await account.text(), 'csrf');
    const out = await agent.request(`${t.issuer}/logout`, { method: 'POST', form: { csrf } });
    assert.equal(out.status, 303);
    assert.equal((await oidc.tokenIntrospection(firstParty, tokens.access_token)).active, false);
    await assert.rejects(oidc.refreshTokenGrant(firstParty, tokens.refresh_token as string), isError('invalid_grant'));
    await assert.rejects(oidc.fetchUserInfo(firstParty, tokens.access_token, oidc.skipSubjectCheck));
  });

  it('disabling the account stops its tokens', async () => {
    const tokens = await signIn(firstParty, new Agent(), { username: 'bob' });
    await t.latchkey.admin.disableUser('bob');
    assert.equal((await oidc.tokenIntrospection(firstParty, tokens.access_token)).active, false);
    await assert.rejects(oidc.refreshTokenGrant(firstParty, tokens.refresh_token as string), isError('invalid_grant'));
  });

  it('a public client redeems its code with PKCE and no secret; CORS only for its registered origin', async () => {
    const spa = await discover(t.issuer, spaClientId, null);
    const run = await authorize(spa, new Agent(), t.issuer, SPA);
    const tokens = await oidc.authorizationCodeGrant(spa, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    assert.ok(tokens.id_token);
    const token = `${t.issuer}/oidc/token`;
    const preflight = (origin: string) =>
      fetch(token, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    assert.equal((await preflight('https://spa.example.test')).headers.get('access-control-allow-origin'), 'https://spa.example.test');
    const refresh = (origin: string) =>
      fetch(token, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: spaClientId }) });
    const foreign = await refresh('https://evil.example.test');
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    assert.equal(foreign.status, 400);
  });

  it('RP-initiated logout asks for confirmation on a Latchkey page, then returns to the registered URI', async () => {
    const agent = new Agent();
    const tokens = await signIn(firstParty, agent);
    const url = oidc.buildEndSessionUrl(firstParty, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: 'https://app.example.test/' });
    const confirm = await agent.request(url.toString());
    assert.equal(confirm.status, 200);
    assert.match(confirm.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const page = await confirm.text();
    const action = /action="([^"]+)"/.exec(page)?.[1] ?? '';
    const out = await agent.request(new URL(action, t.issuer).toString(), { method: 'POST', form: { xsrf: hiddenField(page, 'xsrf'), logout: 'yes' } });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), 'https://app.example.test/');
  });

  it('records oidc_authorize, oidc_consent and oidc_token audit events', async () => {
    await t.latchkey.audit.close?.();
    const rows = await t.latchkey.database.db.selectFrom('audit_events').select(['type', 'outcome']).where('type', 'like', 'oidc_%').execute();
    const seen = new Set(rows.map((r) => `${r.type}:${r.outcome}`));
    for (const kind of ['oidc_authorize:success', 'oidc_consent:success', 'oidc_consent:failure', 'oidc_token:success', 'oidc_token:failure']) assert.ok(seen.has(kind), `no ${kind} in ${[...seen].join(', ')}`);
  });
});
