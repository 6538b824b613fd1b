/**
 * The access-token signer (src/crypto/jwt-signer.ts, docs/decisions.md "JWT library"): fast-jwt's
 * EdDSA signer with the access-token header; its tokens must verify with an implementation
 * independent of it (jose) against the published key.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { importJWK, jwtVerify } from 'jose';
import { accessTokenSigner } from '../../src/crypto/jwt-signer.js';

describe('the access-token signer', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = randomUUID();
  const claims = (i: number): Record<string, unknown> => ({
    sid: randomUUID(),
    iss: 'https://accounts.example',
    aud: 'latchkey',
    sub: randomUUID(),
    iat: 1_800_000_000 + i,
    exp: 1_800_000_900 + i,
    jti: `${randomUUID()}.${i}`,
  });

  it('signs tokens that jose verifies with the public key, with the EdDSA, kid and at+jwt header; one payload, one token', async () => {
    const sign = accessTokenSigner(privateKey, kid);
    const payload = claims(1);
    const many = Array.from({ length: 20 }, () => sign(payload));
    assert.equal(new Set(many).size, 1, 'signatures of one payload are the same token (a grace re-issue is identical)');
    const key = await importJWK({ ...publicKey.export({ format: 'jwk' }), alg: 'EdDSA' }, 'EdDSA');
    const verified = await jwtVerify(many[0]!, key, { currentDate: new Date(1_800_000_100_000), typ: 'at+jwt' });
    assert.deepEqual(verified.protectedHeader, { alg: 'EdDSA', typ: 'at+jwt', kid });
    assert.deepEqual(verified.payload, payload);
  });

  it('refuses to sign with a key that cannot sign', () => {
    const { privateKey: exchangeOnly } = generateKeyPairSync('x25519');
    assert.throws(() => accessTokenSigner(exchangeOnly, kid)(claims(2)));
  });
});
