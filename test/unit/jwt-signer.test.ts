/**
 * Access tokens are signed off the event loop (src/crypto/jwt-signer.ts, docs/decisions.md "JWT
 * library"): the tokens must stay exactly what fast-jwt's signer made before, and verify with an
 * implementation independent of ours (jose) against the published key.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSigner } from 'fast-jwt';
import { importJWK, jwtVerify } from 'jose';
import { compactSigner } from '../../src/crypto/jwt-signer.js';

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

  it('makes byte for byte the tokens fast-jwt signs with the same key, kid and typ', async () => {
    const pem = String(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const reference = createSigner({ key: pem, algorithm: 'EdDSA', kid, header: { typ: 'at+jwt' } as never }) as (p: Record<string, unknown>) => string;
    const sign = compactSigner(privateKey, kid);
    for (let i = 0; i < 20; i++) {
      const payload = claims(i);
      assert.equal(await sign(payload), reference(payload));
    }
  });

  it('signs tokens that jose verifies with the public key, with the EdDSA, kid and at+jwt header', async () => {
    const sign = compactSigner(privateKey, kid);
    const payload = claims(1);
    const many = await Promise.all(Array.from({ length: 50 }, () => sign(payload)));
    assert.equal(new Set(many).size, 1, 'concurrent signatures of one payload are the same token');
    const key = await importJWK({ ...publicKey.export({ format: 'jwk' }), alg: 'EdDSA' }, 'EdDSA');
    const verified = await jwtVerify(many[0]!, key, { currentDate: new Date(1_800_000_100_000), typ: 'at+jwt' });
    assert.deepEqual(verified.protectedHeader, { alg: 'EdDSA', typ: 'at+jwt', kid });
    assert.deepEqual(verified.payload, payload);
  });

  it('refuses to sign with a key that cannot sign (the promise rejects, nothing is returned)', async () => {
    const { privateKey: exchangeOnly } = generateKeyPairSync('x25519');
    await assert.rejects(compactSigner(exchangeOnly, kid)(claims(2)));
  });
});
