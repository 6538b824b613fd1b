/**
 * A key rotation reaches the running provider without a restart: after `latchkey keys rotate`
 * (Ed25519) or `--rs256`, the node's next OIDC job run rebuilds the provider with the new key
 * set; new id tokens carry the new kid, tokens signed before still verify against the JWKS, and
 * a browser signed in before the rotation signs in to the app again without a form.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { rotateRsaSigningKey } from '../../src/core/oidc/keys.js';
import { Agent, authorize, discover, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const APP = 'https://app.example.test/callback';

describe('OIDC signing keys rotated while the provider runs', () => {
  let t: OidcInstance;
  let eddsa: oidc.Configuration;
  let rs256: oidc.Configuration;

  async function idToken(config: oidc.Configuration, agent = new Agent()): Promise<string> {
    const run = await authorize(config, agent, t.issuer, APP);
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    return tokens.id_token as string;
  }

  const verify = (token: string) => jwtVerify(token, createRemoteJWKSet(new URL(`${t.issuer}/oidc/jwks`)), { issuer: t.issuer });

  before(async () => {
    t = await startOidcInstance();
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    const a = await t.addClient({ name: 'Notes', redirectUris: [APP], firstParty: true });
    const b = await t.addClient({ name: 'Gateway', redirectUris: [APP], firstParty: true, idTokenAlg: 'RS256' });
    eddsa = await discover(t.issuer, a.client.id, a.secret);
    rs256 = await discover(t.issuer, b.client.id, b.secret);
  });
  after(async () => t.close());

  it('an Ed25519 rotation: new id tokens carry the new kid after the next job run, old ones still verify', async () => {
    const before = await idToken(eddsa);
    const oldKid = decodeProtectedHeader(before).kid;
    t.clock.advance(1_000); // the key set is ordered by creation time
    const newKid = await t.latchkey.signer.rotate();
    assert.notEqual(newKid, oldKid);
    await t.latchkey.oidc?.jobs.runOnce();
    const after = await idToken(eddsa);
    assert.equal(decodeProtectedHeader(after).alg, 'EdDSA');
    assert.equal(decodeProtectedHeader(after).kid, newKid);
    await verify(after);
    await verify(before);
  });

  it('an RS256 rotation (keys rotate --rs256) reaches the RS256 client; the browser session goes on', async () => {
    const agent = new Agent();
    const before = await idToken(rs256, agent);
    assert.equal(decodeProtectedHeader(before).alg, 'RS256');
    t.clock.advance(1_000);
    const newKid = await rotateRsaSigningKey({ uow: t.latchkey.stores.uow, keys: t.latchkey.stores.keys, clock: t.latchkey.clock });
    await t.latchkey.oidc?.jobs.runOnce();
    const after = await idToken(rs256, agent);
    assert.equal(decodeProtectedHeader(after).kid, newKid);
    await verify(after);
    await verify(before);
    const jwks = (await (await fetch(`${t.issuer}/oidc/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> };
    assert.ok(jwks.keys.some((k) => k.kid === newKid));
    assert.ok(jwks.keys.every((k) => k.d === undefined), 'no private part published');
  });

  it('a job run with an unchanged key set keeps the provider as it is', async () => {
    const token = await idToken(eddsa);
    await t.latchkey.oidc?.jobs.runOnce();
    assert.equal(decodeProtectedHeader(await idToken(eddsa)).kid, decodeProtectedHeader(token).kid);
    assert.ok(!t.logs.slice(-5).some((l) => l.includes('now signs with')));
  });
});
