/**
 * Signing keys can be retired (docs/decisions.md, "Signing keys are retired, not only rotated"):
 * `latchkey keys retire KID` removes a key from the JWKS and from verification, is refused for
 * the current (or only) signing key, and, unless `--force`, while a token the key signed could
 * still be valid; each retirement and rotation is an audit event.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { retirementRefusal } from '../../src/cli/commands/keys-retire.js';
import type { SigningKeyRecord } from '../../src/core/tokens/ports.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register } from '../support/jwt-api.js';

const MINUTE = 60_000;

describe('latchkey keys retire', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-retire-'));
  let t: TestInstance;
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'keys', ...args], {
      env: { ...process.env, DATABASE_URL: t.latchkey.config.databaseUrl },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const me = async (access: string) => (await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status;
  const auditRows = (type: string) => t.latchkey.database.db.selectFrom('audit_events').select(['type', 'outcome', 'surface', 'detail']).where('type', '=', type).execute();

  before(async () => {
    t = await createTestInstance({ hasher: 'fast', sqliteFile: join(dir, 'retire.db') });
    await register(t.app, 'retiree', 'retiree-password');
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to retire the only signing key, and the current one', async () => {
    const kid = decodeJwt((await login(t.app, 'retiree', 'retiree-password')).access).header.kid;
    const only = cli(['retire', kid, '--force']);
    assert.equal(only.status, 1, only.stdout);
    assert.match(only.stderr, /only signing key/);
    assert.deepEqual(await auditRows('signing_key_retire'), []);
  });

  it('refuses while tokens of the key can be valid; --force retires it: gone from the JWKS and from verification, audited', async () => {
    const before = await login(t.app, 'retiree', 'retiree-password');
    const oldKid = decodeJwt(before.access).header.kid;
    const rotated = cli(['rotate', '--json']);
    assert.equal(rotated.status, 0, rotated.stderr);
    const newKid = JSON.parse(rotated.stdout).kid as string;
    assert.equal((await auditRows('signing_key_rotate')).length, 1);

    const current = cli(['retire', newKid, '--force']);
    assert.equal(current.status, 1);
    assert.match(current.stderr, /current signing key/);

    const early = cli(['retire', oldKid]);
    assert.equal(early.status, 1, early.stdout);
    assert.match(early.stderr, /may be valid until .*--force/);
    await t.latchkey.signer.reload();
    assert.equal(await me(before.access), 200, 'still accepted after a refused retirement');

    const forced = cli(['retire', oldKid, '--force', '--json']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.deepEqual(JSON.parse(forced.stdout), { kid: oldKid, retired: true });
    await t.latchkey.signer.reload(); // every node does this within a minute by itself
    assert.equal(await me(before.access), 401, 'a token signed by a retired key is refused');
    const jwks = await call(t.app, 'GET', '/.well-known/jwks.json');
    assert.deepEqual(jwks.body.keys.map((k: { kid: string }) => k.kid), [newKid]);
    const fresh = await login(t.app, 'retiree', 'retiree-password');
    assert.equal(decodeJwt(fresh.access).header.kid, newKid);
    assert.equal(await me(fresh.access), 200);

    const rows = await auditRows('signing_key_retire');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.surface, 'cli');
    assert.deepEqual(JSON.parse(rows[0]!.detail!), { kid: oldKid, forced: true });
    const listed = JSON.parse(cli(['list', '--json']).stdout) as Array<{ kid: string; signing: boolean; retired: string | null }>;
    assert.deepEqual(listed.map((k) => [k.kid, k.signing, k.retired !== null]), [[newKid, true, false], [oldKid, false, true]]);
    assert.equal(cli(['retire', oldKid]).status, 1, 'already retired');
  });

  it('retires without --force once every token the key signed has expired', async () => {
    const oldKid = decodeJwt((await login(t.app, 'retiree', 'retiree-password')).access).header.kid;
    const newKid = JSON.parse(cli(['rotate', '--json']).stdout).kid as string;
    // The rotation happened long enough ago: successor + two key-set reloads + ACCESS_TOKEN_TTL.
    const ago = Date.now() - (t.latchkey.config.accessTokenTtl * 1000 + 3 * MINUTE);
    await t.latchkey.database.db.updateTable('signing_keys').set({ created_at: ago }).where('kid', '=', newKid).execute();
    await t.latchkey.database.db.updateTable('signing_keys').set({ created_at: ago - MINUTE }).where('kid', '=', oldKid).execute();
    const retired = cli(['retire', oldKid]);
    assert.equal(retired.status, 0, retired.stderr);
    assert.match(retired.stdout, /retired signing key/);
    assert.deepEqual(JSON.parse((await auditRows('signing_key_retire')).at(-1)!.detail!), { kid: oldKid, forced: false });
  });

  it('the waiting time is the successor age plus two key-set reloads plus the access-token lifetime', () => {
    const key = (kid: string, createdAt: number, retiredAt: number | null = null): SigningKeyRecord => ({ kid, alg: 'EdDSA', privateJwk: '', publicJwk: '', createdAt, retiredAt });
    const keys = [key('new', 10 * MINUTE), key('old', 0)];
    const safe = 10 * MINUTE + 2 * MINUTE + 900_000;
    assert.match(retirementRefusal(keys, 'old', safe - 1, 900, false) ?? '', /may be valid/);
    assert.equal(retirementRefusal(keys, 'old', safe, 900, false), null);
    assert.equal(retirementRefusal(keys, 'old', 0, 900, true), null);
    assert.match(retirementRefusal(keys, 'new', safe, 900, true) ?? '', /current signing key/);
    assert.match(retirementRefusal(keys, 'nope', safe, 900, true) ?? '', /no signing key/);
  });

  it('refuses bad arguments with one line and exit status 2', () => {
    for (const args of [['retire'], ['retire', '--force'], ['retire', 'a', 'b']]) {
      const r = cli(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });
});
