/**
 * Two nodes serve one OpenID Connect issuer from one PostgreSQL: a code issued on one node is
 * redeemed on the other, refresh and introspection answer on either, and a logout of Latchkey on
 * one node ends the app's tokens on the other. Runs with TEST_DATABASE_URL (skipped otherwise).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { rotateRsaSigningKey } from '../../src/core/oidc/keys.js';
import { registerOidcClient } from '../../src/core/oidc/clients.js';
import { createAuditLog } from '../../src/store/audit.js';
import { createStores, openDatabase } from '../../src/store/index.js';
import { createOidcClientStore } from '../../src/store/oidc-clients.js';
import { Agent, authorize, discover, hiddenField, PASSWORD } from '../oidc/support.js';
import { send, startCluster, type Cluster } from './cluster.js';

const ISSUER = 'http://127.0.0.1:3000';
const APP = 'https://app.example.test/callback';

describe('OIDC on two nodes of one PostgreSQL', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let cluster: Cluster;
  let clientId: string;
  let secret: string;
  let gatewayId: string;
  let gatewaySecret: string;

  before(async () => {
    cluster = await startCluster(2, { OIDC_PROVIDER: 'on' });
    const [a] = cluster.nodes;
    assert.equal((await send(a!, 'POST', '/api/v1/account/register', { json: { username: 'alice', password: PASSWORD } })).status, 200);
    const database = await openDatabase(cluster.database.url);
    try {
      const clock = { now: () => Date.now() };
      const stores = createStores(database, clock);
      const audit = createAuditLog(database.db, { clock, serverKey: 'k', log: { info: () => {}, warn: () => {} } });
      const added = await registerOidcClient({ uow: stores.uow, clock, audit, oidcClients: createOidcClientStore() }, { name: 'Notes', redirectUris: [APP], firstParty: true });
      clientId = added.client.id;
      secret = added.secret as string;
      const gateway = await registerOidcClient({ uow: stores.uow, clock, audit, oidcClients: createOidcClientStore() }, { name: 'Gateway', redirectUris: [APP], firstParty: true, idTokenAlg: 'RS256' });
      gatewayId = gateway.client.id;
      gatewaySecret = gateway.secret as string;
    } finally {
      await database.close();
    }
  });
  after(async () => cluster?.stop());

  it('a code issued on node A is redeemed on node B; refresh, introspection and logout cross nodes', async () => {
    const [a, b] = cluster.nodes as unknown as [{ url: string }, { url: string }];
    let via = a.url;
    const config = await discover(ISSUER, clientId, secret, { node: () => via });
    const agent = new Agent();
    agent.node = a.url;
    const run = await authorize(config, agent, ISSUER, APP);
    assert.ok(run.callback.searchParams.get('code'), String(run.callback));

    via = b.url;
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    assert.equal(tokens.claims()?.aud, clientId);
    via = a.url;
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    via = b.url;
    assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, true);

    // Log out of Latchkey on node B: node A refuses the app's refresh token.
    agent.node = b.url;
    const csrf = hiddenField(await (await agent.request(`${ISSUER}/account`)).text(), 'csrf');
    assert.equal((await agent.request(`${ISSUER}/logout`, { method: 'POST', form: { csrf } })).status, 303);
    via = a.url;
    await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token as string), (err: unknown) => (err as { error?: string }).error === 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, false);
  });

  it('an RS256 key rotated in the database reaches both running nodes within seconds, without a restart', async () => {
    const database = await openDatabase(cluster.database.url);
    let newKid: string;
    try {
      const clock = { now: () => Date.now() };
      const stores = createStores(database, clock);
      newKid = await rotateRsaSigningKey({ uow: stores.uow, keys: stores.keys, clock });
    } finally {
      await database.close();
    }
    for (const node of cluster.nodes as unknown as Array<{ url: string }>) {
      const config = await discover(ISSUER, gatewayId, gatewaySecret, { node: () => node.url });
      let kid: unknown;
      // Each node's OIDC jobs check the key set every ~2 s (src/cli/oidc-jobs.ts): bounded wait.
      for (let tries = 0; tries < 20 && kid !== newKid; tries += 1) {
        if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 500));
        const agent = new Agent();
        agent.node = node.url;
        const run = await authorize(config, agent, ISSUER, APP);
        const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
        kid = decodeProtectedHeader(tokens.id_token as string).kid;
      }
      assert.equal(kid, newKid, `node ${node.url} signs with the rotated key`);
    }
  });
});
