/**
 * Access tokens name their audience (docs/decisions.md, "Access tokens name their audience"):
 * every access token Latchkey issues carries `aud: latchkey:first-party`, and Latchkey's own
 * endpoints (bearer auth on /api/v1, introspection) refuse a token signed with Latchkey's own
 * key for any other audience. A token without `aud` (signed by a node of an earlier release
 * during a rolling upgrade) keeps working until it expires.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createSigner } from 'fast-jwt';
import { FIRST_PARTY_AUDIENCE, isClientAudience } from '../../src/core/tokens/audience.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register } from '../support/jwt-api.js';

describe('access tokens name their audience', () => {
  let t: TestInstance;
  let serviceKey: string;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await register(t.app, 'audience', 'audience-password');
    serviceKey = (await t.latchkey.services.addServiceKey('audience-check')).credential;
  });
  after(() => t.close());

  /** Re-signs the claims of `access` with Latchkey's current key, `aud` replaced (or removed when undefined). */
  async function resign(access: string, aud: unknown): Promise<string> {
    const { header, payload } = decodeJwt(access);
    const row = await t.latchkey.database.db.selectFrom('signing_keys').select(['kid', 'private_jwk']).where('kid', '=', header.kid).executeTakeFirstOrThrow();
    const pem = createPrivateKey({ key: JSON.parse(row.private_jwk), format: 'jwk' }).export({ format: 'pem', type: 'pkcs8' });
    const sign = createSigner({ key: String(pem), algorithm: 'EdDSA', kid: row.kid, header: { typ: 'at+jwt' } as never });
    const claims = { ...payload };
    if (aud === undefined) delete claims.aud;
    else claims.aud = aud;
    return sign(claims);
  }
  const me = async (access: string) => (await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status;
  const introspected = async (access: string) =>
    (await call(t.app, 'POST', '/api/v1/introspect', { json: { token: access }, headers: bearer(serviceKey) })).body.result.active as boolean;

  it('every access token Latchkey issues carries the first-party audience', async () => {
    const pair = await login(t.app, 'audience', 'audience-password');
    assert.equal(decodeJwt(pair.access).payload.aud, FIRST_PARTY_AUDIENCE);
    const refreshed = await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } });
    assert.equal(decodeJwt(refreshed.body.result.token.access).payload.aud, FIRST_PARTY_AUDIENCE);
    assert.equal(await me(pair.access), 401, 'rotated: stale');
    assert.equal(await me(refreshed.body.result.token.access), 200);
  });

  it('a token signed with our own key for another audience is refused by bearer auth and introspection', async () => {
    const pair = await login(t.app, 'audience', 'audience-password');
    assert.equal(await me(pair.access), 200);
    assert.equal(await introspected(pair.access), true);
    for (const aud of ['billing-app', 'https://other.example/api', [FIRST_PARTY_AUDIENCE, 'billing-app'], '']) {
      const foreign = await resign(pair.access, aud);
      assert.equal(await me(foreign), 401, `aud ${JSON.stringify(aud)}`);
      assert.equal(await introspected(foreign), false, `aud ${JSON.stringify(aud)}`);
    }
  });

  it('a token without aud (signed by a node of an earlier release) works until it expires', async () => {
    const pair = await login(t.app, 'audience', 'audience-password');
    const older = await resign(pair.access, undefined);
    assert.equal(decodeJwt(older).payload.aud, undefined);
    assert.equal(await me(older), 200);
    assert.equal(await introspected(older), true);
    t.clock.advance(t.latchkey.config.accessTokenTtl * 1000 + 1000);
    assert.equal(await me(older), 401, 'expired like any other');
  });

  it('no client id can be the first-party audience', () => {
    assert.equal(isClientAudience(FIRST_PARTY_AUDIENCE), false);
    assert.equal(isClientAudience('latchkey:anything'), false);
    assert.equal(isClientAudience(''), false);
    assert.equal(isClientAudience('billing-app'), true);
  });
});
