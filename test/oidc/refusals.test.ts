/**
 * What the OpenID Connect provider refuses, each case on its own: a redirect URI that is not
 * registered exactly, an authorization without PKCE, a code redeemed twice, a code redeemed by
 * another client, an expired code, `alg: none`; and the separation of audiences: tokens of
 * OIDC clients are never accepted by Latchkey's first-party API, nor its tokens by clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { Agent, authorize, discover, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const APP = 'https://app.example.test/callback';
const isError = (code: string) => (err: unknown): boolean => (err as { error?: string }).error === code;
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('OpenID Connect provider refusals', () => {
  let t: OidcInstance;
  let config: oidc.Configuration;
  let other: oidc.Configuration;
  let accountId: string;

  /** A fresh authorization code for the first client, with its verifier. */
  async function code(): Promise<{ callback: URL; verifier: string; state: string; nonce: string }> {
    return authorize(config, new Agent(), t.issuer, APP);
  }

  before(async () => {
    t = await startOidcInstance();
    accountId = (await t.service.registerAccount({ username: 'alice', password: PASSWORD })).id;
    const a = await t.addClient({ name: 'Notes', redirectUris: [APP], firstParty: true });
    const b = await t.addClient({ name: 'Other', redirectUris: [APP], firstParty: true });
    config = await discover(t.issuer, a.client.id, a.secret);
    other = await discover(t.issuer, b.client.id, b.secret);
  });
  after(async () => t.close());

  it('refuses a redirect URI that is not registered exactly, on its own page and without redirecting', async () => {
    for (const uri of [`${APP}/`, `${APP}?x=1`, 'https://app.example.test/Callback', 'https://evil.example.test/callback']) {
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: uri, scope: 'openid', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' });
      const res = await new Agent().request(url.toString());
      assert.equal(res.status, 400, uri);
      assert.equal(res.headers.get('location'), null);
      assert.match(await res.text(), /redirect_uri/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'.*frame-ancestors 'none'/);
    }
  });

  it('refuses an authorization request without PKCE, and one with the plain method', async () => {
    const without = oidc.buildAuthorizationUrl(config, { redirect_uri: APP, scope: 'openid', state: 's' });
    const res = await new Agent().request(without.toString());
    const location = new URL(res.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description') ?? '', /PKCE|code_challenge/i);

    const plain = oidc.buildAuthorizationUrl(config, { redirect_uri: APP, scope: 'openid', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
    const refused = new URL((await new Agent().request(plain.toString())).headers.get('location') ?? '');
    assert.equal(refused.searchParams.get('error'), 'invalid_request');
  });

  it('refuses a code redeemed twice, and the second try revokes what the first got', async () => {
    const run = await code();
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    await assert.rejects(oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce }), isError('invalid_grant'));
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
  });

  it('refuses a code redeemed by another client, and a wrong PKCE verifier', async () => {
    const run = await code();
    await assert.rejects(oidc.authorizationCodeGrant(other, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state }), isError('invalid_grant'));
    const again = await code();
    await assert.rejects(
      oidc.authorizationCodeGrant(config, again.callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: again.state }),
      isError('invalid_grant'),
    );
  });

  it('refuses an expired code (codes live 60 seconds)', async () => {
    const run = await code();
    t.clock.advance(61_000);
    try {
      await assert.rejects(oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state }), isError('invalid_grant'));
    } finally {
      t.clock.advance(-61_000);
    }
  });

  it('refuses alg none: an unsigned id_token_hint, and an unsigned token on the first-party API', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: t.issuer, sub: accountId, aud: 'latchkey:first-party', exp: 4102444800, iat: 1, sid: 'x', jti: 'y' })}.`;
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: APP, scope: 'openid', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256', id_token_hint: unsigned, state: 's' });
    const location = new URL((await new Agent().request(url.toString())).headers.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    const me = await fetch(`${t.issuer}/api/v1/account/me`, { headers: { authorization: `Bearer ${unsigned}` } });
    assert.equal(me.status, 401);
  });

  it('tokens of OIDC clients are refused by the first-party API, and first-party tokens by the provider', async () => {
    const run = await code();
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    for (const token of [tokens.access_token, tokens.id_token as string]) {
      const me = await fetch(`${t.issuer}/api/v1/account/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 401);
    }
    const login = await fetch(`${t.issuer}/api/v1/account/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
    assert.equal(login.status, 200);
    const body = (await login.json()) as Record<string, unknown>;
    const firstParty = String(((body.result as { token?: { access?: string } } | undefined)?.token?.access) ?? '');
    assert.ok(firstParty.length > 20, `no access token in ${JSON.stringify(body).slice(0, 200)}`);
    // The provider's introspection does not take a first-party JWT at all; its userinfo refuses it.
    await assert.rejects(oidc.tokenIntrospection(config, firstParty), isError('unsupported_token_type'));
    await assert.rejects(oidc.fetchUserInfo(config, firstParty, accountId));
  });
});
