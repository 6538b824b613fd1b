/**
 * An app signs a user in through Latchkey's OpenID Connect provider with openid-client, an
 * unmodified relying-party library: discovery, authorization code with PKCE, id token
 * validation, userinfo, refresh with rotation, revocation and introspection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { Agent, authorize, discover, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const APP = 'http://127.0.0.1:9/callback';
const isError = (code: string) => (err: unknown): boolean => (err as { error?: string }).error === code;

describe('OpenID Connect provider with openid-client', () => {
  let t: OidcInstance;
  let clientId: string;
  let secret: string;
  let accountId: string;

  before(async () => {
    t = await startOidcInstance();
    const account = await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    accountId = account.id;
    const added = await t.addClient({ name: 'Notes', redirectUris: [APP], firstParty: true });
    clientId = added.client.id;
    secret = added.secret as string;
  });
  after(async () => t.close());

  it('publishes discovery with code flow only, PKCE S256 and no none algorithm', async () => {
    const res = await fetch(`${t.issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const meta = (await res.json()) as Record<string, unknown>;
    assert.equal(meta.issuer, t.issuer);
    assert.deepEqual(meta.response_types_supported, ['code']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.equal(meta.registration_endpoint, undefined);
    assert.ok(!(meta.id_token_signing_alg_values_supported as string[]).includes('none'));
    assert.deepEqual([...(meta.id_token_signing_alg_values_supported as string[])].sort(), ['EdDSA', 'RS256']);
  });

  it('lists the provider endpoints and sign-in pages in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.issuer}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    for (const [path, method] of [['/.well-known/openid-configuration', 'get'], ['/oidc/auth', 'get'], ['/oidc/token', 'post'], ['/oidc/me', 'get'], ['/oidc/jwks', 'get'], ['/oidc/session/end', 'get'], ['/oidc/token/revocation', 'post'], ['/oidc/token/introspection', 'post'], ['/oidc/interaction/{uid}', 'get'], ['/oidc/interaction/{uid}/consent', 'post']] as const) {
      assert.deepEqual(doc.paths[path]?.[method]?.tags, ['oidc'], `${method} ${path}`);
    }
    assert.equal(doc.paths['/oidc/*'], undefined);
  });

  it('signs a user in with code + PKCE: verified id token, userinfo, refresh with rotation, revocation', async () => {
    const config = await discover(t.issuer, clientId, secret);
    const agent = new Agent();
    const run = await authorize(config, agent, t.issuer, APP);
    assert.equal(run.callback.origin + run.callback.pathname, APP);
    assert.ok(run.callback.searchParams.get('code'), `no code in ${run.callback}`);

    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.sub, accountId);
    assert.equal(claims.aud, clientId);
    assert.equal(claims.iss, t.issuer);
    assert.deepEqual(claims.amr, ['pwd']);
    assert.ok(tokens.refresh_token);

    const info = await oidc.fetchUserInfo(config, tokens.access_token, accountId);
    assert.equal(info.sub, accountId);
    assert.equal(info.preferred_username, 'alice');

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'the refresh token rotates');
    const live = await oidc.tokenIntrospection(config, refreshed.access_token);
    assert.equal(live.active, true);
    assert.equal(live.sub, accountId);
    assert.equal(live.client_id, clientId);

    await oidc.tokenRevocation(config, refreshed.refresh_token as string);
    await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token as string), isError('invalid_grant'));
  });

  it('a rotated-away refresh token presented again is refused and ends its grant', async () => {
    const config = await discover(t.issuer, clientId, secret);
    const run = await authorize(config, new Agent(), t.issuer, APP);
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    const next = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token as string), isError('invalid_grant'));
    await assert.rejects(oidc.refreshTokenGrant(config, next.refresh_token as string), isError('invalid_grant'));
    assert.equal((await oidc.tokenIntrospection(config, next.access_token)).active, false);
  });
});
