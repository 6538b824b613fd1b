/**
 * `prompt=none`: an app checks silently whether its user is still signed in. With a live
 * Latchkey session and the grant given under it, the app gets a code with no page at all;
 * without a session (never signed in, or logged out of Latchkey) it gets `login_required`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { Agent, authorize, discover, hiddenField, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const APP = 'https://app.example.test/callback';

describe('OIDC prompt=none', () => {
  let t: OidcInstance;
  let config: oidc.Configuration;

  /** A silent authorization: every redirect followed, no page expected; the URL it ends at. */
  async function silently(agent: Agent): Promise<{ landed: URL; verifier: string }> {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: APP, scope: 'openid email', prompt: 'none', state: 'quiet', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const { res, url: landed } = await agent.follow(url.toString(), t.issuer);
    assert.ok(res.status >= 300 && res.status < 400, `a redirect back to the app, not a page (${res.status})`);
    return { landed: new URL(landed), verifier };
  }

  before(async () => {
    t = await startOidcInstance();
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    const added = await t.addClient({ name: 'Notes', redirectUris: [APP], firstParty: true });
    config = await discover(t.issuer, added.client.id, added.secret);
  });
  after(async () => t.close());

  it('a visitor with a live Latchkey session and a grant gets a code without any page', async () => {
    const agent = new Agent();
    await authorize(config, agent, t.issuer, APP);
    const { landed, verifier } = await silently(agent);
    assert.equal(landed.origin + landed.pathname, APP);
    assert.equal(landed.searchParams.get('error'), null);
    const tokens = await oidc.authorizationCodeGrant(config, landed, { pkceCodeVerifier: verifier, expectedState: 'quiet' });
    assert.ok(tokens.access_token);
  });

  it('a visitor without a Latchkey session gets login_required', async () => {
    const { landed } = await silently(new Agent());
    assert.equal(landed.origin + landed.pathname, APP);
    assert.equal(landed.searchParams.get('error'), 'login_required');
    assert.equal(landed.searchParams.get('code'), null);
  });

  it('after logging out of Latchkey, the same browser gets login_required', async () => {
    const agent = new Agent();
    await authorize(config, agent, t.issuer, APP);
    const csrf = hiddenField(await (await agent.request(`${t.issuer}/account`)).text(), 'csrf');
    await agent.request(`${t.issuer}/logout`, { method: 'POST', form: { csrf } });
    const { landed } = await silently(agent);
    assert.equal(landed.searchParams.get('error'), 'login_required');
  });
});
