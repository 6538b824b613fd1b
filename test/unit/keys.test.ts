/**
 * SEC-46 key rotation: `latchkey keys rotate` adds a signing key; running nodes sign with it
 * after they re-read the key set, tokens signed with the old key keep working until they
 * expire, and the JWKS publishes both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createJwtSigner } from '../../src/crypto/jwt-signer.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register } from '../support/jwt-api.js';

describe('latchkey keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-keys-'));
  let t: TestInstance;
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'keys', ...args], {
      env: { ...process.env, DATABASE_URL: t.latchkey.config.databaseUrl },
      encoding: 'utf8',
      timeout: 30_000,
    });

  before(async () => {
    t = await createTestInstance({ hasher: 'fast', sqliteFile: join(dir, 'keys.db') });
    await register(t.app, 'keyholder', 'keyholder-password');
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SEC-46 rotates: new tokens use the new key, old tokens keep working, the JWKS has both', async () => {
    const before = await login(t.app, 'keyholder', 'keyholder-password');
    const oldKid = decodeJwt(before.access).header.kid;

    const rotated = cli(['rotate', '--json']);
    assert.equal(rotated.status, 0, rotated.stderr);
    const { kid: newKid } = JSON.parse(rotated.stdout);
    assert.notEqual(newKid, oldKid);

    await t.latchkey.signer.reload();
    const afterRotation = await login(t.app, 'keyholder', 'keyholder-password');
    assert.equal(decodeJwt(afterRotation.access).header.kid, newKid);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(before.access) })).status, 200);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(afterRotation.access) })).status, 200);
    const jwks = await call(t.app, 'GET', '/.well-known/jwks.json');
    assert.deepEqual(jwks.body.keys.map((k: { kid: string }) => k.kid), [newKid, oldKid]);

    const listed = cli(['list', '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(
      JSON.parse(listed.stdout).map((k: { kid: string; signing: boolean }) => [k.kid, k.signing]),
      [
        [newKid, true],
        [oldKid, false],
      ],
    );
  });

  it('SEC-46/67f a node picks up a key rotated elsewhere by itself', async () => {
    const { uow, keys } = t.latchkey.stores;
    const node = await createJwtSigner({ uow, keys, clock: t.clock, issuer: 'elsewhere', refreshMs: 0 });
    const claims = { sub: 's', sid: 'x', iat: 1, exp: 2, jti: 'j' };
    const first = decodeJwt(await node.sign(claims)).header.kid;
    const kid = JSON.parse(cli(['rotate', '--json']).stdout).kid;
    await node.sign(claims); // notices the key set is stale and re-reads it in the background
    await new Promise((r) => setTimeout(r, 100));
    const next = decodeJwt(await node.sign(claims)).header.kid;
    assert.notEqual(first, kid);
    assert.equal(next, kid);
  });

  it('refuses bad arguments with one line and exit status 2', () => {
    for (const args of [[], ['spin'], ['rotate', '--now']]) {
      const r = cli(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });
});
