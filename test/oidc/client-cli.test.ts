/**
 * `latchkey client add|list|revoke`: an operator registers an app, its secret is printed once
 * and only its hash is stored, bad redirect URIs are refused with exit status 2, and a revoked
 * client can no longer use its tokens.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { hashSecret } from '../../src/core/credentials/secrets.js';
import { runCli } from '../support/cli.js';
import { Agent, authorize, discover, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const APP = 'https://app.example.test/callback';

describe('latchkey client', () => {
  let dir: string;
  let t: OidcInstance;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-client-'));
    t = await startOidcInstance({ sqliteFile: join(dir, 'db.sqlite') });
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a confidential client, prints its secret once and stores only its hash', async () => {
    const added = await runCli(t, ['client', 'add', 'Notes', '--redirect-uri', APP, '--first-party', '--json']);
    assert.equal(added.status, 0, added.err);
    const client = JSON.parse(added.out) as { id: string; secret: string; type: string; firstParty: boolean };
    assert.equal(client.type, 'confidential');
    assert.equal(client.firstParty, true);
    const row = await t.latchkey.database.db.selectFrom('oidc_clients').selectAll().where('id', '=', client.id).executeTakeFirstOrThrow();
    assert.equal(row.secret_hash, hashSecret(client.secret));
    assert.ok(!JSON.stringify(row).includes(client.secret));
    const listed = await runCli(t, ['client', 'list', '--json']);
    assert.ok(!listed.out.includes(client.secret));
    assert.equal((JSON.parse(listed.out) as Array<{ id: string }>)[0]?.id, client.id);
  });

  it('refuses a redirect URI that is not https (or http on loopback), with one line and status 2', async () => {
    for (const uri of ['http://app.example.test/cb', 'https://app.example.test/cb#frag', 'not a url', 'javascript:alert(1)']) {
      const res = await runCli(t, ['client', 'add', 'Bad', '--redirect-uri', uri]);
      assert.equal(res.status, 2, `${uri}: ${res.out}`);
      assert.match(res.err, /redirect_uri/);
    }
    assert.equal((await runCli(t, ['client', 'add', 'NoUri'])).status, 2);
  });

  it('a revoked client can no longer use its tokens or start a sign-in', async () => {
    const added = JSON.parse((await runCli(t, ['client', 'add', 'Gone', '--redirect-uri', APP, '--first-party', '--json'])).out) as { id: string; secret: string };
    const config = await discover(t.issuer, added.id, added.secret);
    const run = await authorize(config, new Agent(), t.issuer, APP);
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    const revoked = await runCli(t, ['client', 'revoke', added.id]);
    assert.equal(revoked.status, 0, revoked.err);
    await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck));
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token as string));
    assert.equal((await runCli(t, ['client', 'revoke', added.id])).status, 1);
  });
});
