/**
 * The OIDC interaction signs in through the hosted /login page, so an account with a second
 * factor passes its second step there and comes back to the authorization; the id token's `amr`
 * says how the Latchkey session was proved. The return_to that brings the visitor back is
 * allowed for the interaction path only: /login is no open redirect for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { codeAt, enrolTotp } from '../mfa/helpers.js';
import { login } from '../support/jwt-api.js';
import { Agent, authorize, discover, hiddenFields, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const APP = 'https://app.example.test/callback';

describe('OIDC sign-in through the hosted login, second step included', () => {
  let t: OidcInstance;
  let config: oidc.Configuration;
  let secret: string;

  before(async () => {
    t = await startOidcInstance();
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    await t.service.registerAccount({ username: 'bob', password: PASSWORD });
    secret = (await enrolTotp(t.app, t.clock, await login(t.app, 'alice', PASSWORD), PASSWORD)).secret;
    t.clock.advance(30_000); // the enrolment's code is spent
    const added = await t.addClient({ name: 'Notes', redirectUris: [APP], firstParty: true });
    config = await discover(t.issuer, added.client.id, added.secret);
  });
  after(async () => t.close());

  it('sends a visitor without a session to /login with a return_to back to the interaction', async () => {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: APP, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const { res, url: landed } = await new Agent().follow(url.toString(), t.issuer);
    assert.equal(res.status, 200);
    assert.equal(new URL(landed).pathname, '/login');
    // Chromium applies form-action to the redirects after the POST, which end at the app.
    assert.match(res.headers.get('content-security-policy') ?? '', /form-action [^;]*https:\/\/app\.example\.test/);
    const back = hiddenFields(await res.text()).return_to ?? '';
    assert.match(back, new RegExp(`^${t.issuer}/oidc/interaction/[A-Za-z0-9_-]+$`));
  });

  it('a TOTP account signs in through the second step and comes back with a code; its id token says pwd and otp', async () => {
    const agent = new Agent();
    const run = await authorize(config, agent, t.issuer, APP, { code: () => codeAt(secret, t.clock) });
    assert.equal(run.callback.origin + run.callback.pathname, APP);
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp']);
    assert.ok(agent.cookies.has('sessionid'), 'the second step started the Latchkey session');
  });

  it('a password-only account gets amr pwd', async () => {
    const run = await authorize(config, new Agent(), t.issuer, APP, { username: 'bob' });
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    assert.deepEqual(tokens.claims()?.amr, ['pwd']);
  });

  it('a wrong code keeps the visitor on the second step, with the return_to still carried', async () => {
    const agent = new Agent();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: APP, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const { res } = await agent.follow(url.toString(), t.issuer);
    const loginForm = hiddenFields(await res.text());
    const step = await agent.request(`${t.issuer}/login`, { method: 'POST', form: { ...loginForm, username: 'alice', password: PASSWORD } });
    assert.equal(step.status, 200);
    assert.match(step.headers.get('content-security-policy') ?? '', /form-action [^;]*https:\/\/app\.example\.test/);
    const stepForm = hiddenFields(await step.text());
    assert.equal(stepForm.return_to, loginForm.return_to);
    const wrong = await agent.request(`${t.issuer}/login/mfa`, { method: 'POST', form: { ...stepForm, code: '000000' === codeAt(secret, t.clock) ? '111111' : '000000' } });
    assert.equal(wrong.status, 401);
    assert.equal(hiddenFields(await wrong.text()).return_to, loginForm.return_to);
  });

  it('/login returns to the interaction path on Latchkey only, never elsewhere on its origin or off it', async () => {
    for (const target of [`${t.issuer}/account/sessions`, `${t.issuer}/oidc/interactionx`, `${t.issuer}/oidc/interaction/../../evil`, 'https://evil.example.test/oidc/interaction/x', `${t.issuer}/oidc/interaction/%2e%2e/x`]) {
      const agent = new Agent();
      const form = hiddenFields(await (await agent.request(`${t.issuer}/login?return_to=${encodeURIComponent(target)}`)).text());
      const res = await agent.request(`${t.issuer}/login`, { method: 'POST', form: { ...form, username: 'bob', password: PASSWORD } });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/account', target);
    }
  });
});
