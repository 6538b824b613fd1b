/**
 * OpenID Connect Back-Channel Logout: when the user logs out of Latchkey (any surface) or of an
 * app (RP-initiated logout), every client of that session with a backchannel_logout_uri gets a
 * logout token signed by the provider, verifiable with its JWKS; a client that is down is
 * retried from the outbox, so nothing is lost. RP-initiated logout also ends the Latchkey
 * cookie session. A small HTTP server in the test is the app's back-channel endpoint.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { freePort, listenOn } from '../support/free-port.js';
import { Agent, authorize, discover, hiddenField, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const APP = 'https://app.example.test/callback';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** The app's back-channel endpoint: records every logout token; answers 500 while `failures` > 0. */
async function startReceiver(): Promise<{ url: string; tokens: string[]; failures: number; server: Server }> {
  const port = await freePort();
  const state = { url: `http://127.0.0.1:${port}/backchannel`, tokens: [] as string[], failures: 0, server: null as unknown as Server };
  state.server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      if (body.length < 20_000) body += chunk.toString();
    });
    req.on('end', () => {
      if (state.failures > 0) {
        state.failures -= 1;
        res.writeHead(500).end();
        return;
      }
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && token) state.tokens.push(token);
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
    });
  });
  await listenOn(state.server, port);
  return state;
}

describe('OIDC back-channel logout and RP-initiated logout', () => {
  let t: OidcInstance;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let config: oidc.Configuration;
  let clientId: string;
  let accountId: string;

  async function signIn(agent: Agent) {
    const run = await authorize(config, agent, t.issuer, APP);
    return oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
  }

  async function logOutOfLatchkey(agent: Agent): Promise<void> {
    const csrf = hiddenField(await (await agent.request(`${t.issuer}/account`)).text(), 'csrf');
    assert.equal((await agent.request(`${t.issuer}/logout`, { method: 'POST', form: { csrf } })).status, 303);
  }

  const noticesQueued = async (): Promise<number> => (await t.latchkey.database.db.selectFrom('oidc_logout_notices').select('id').execute()).length;

  before(async () => {
    receiver = await startReceiver();
    t = await startOidcInstance();
    accountId = (await t.service.registerAccount({ username: 'alice', password: PASSWORD })).id;
    const added = await t.addClient({ name: 'Notes', redirectUris: [APP], postLogoutRedirectUris: ['https://app.example.test/'], backchannelLogoutUri: receiver.url, firstParty: true });
    clientId = added.client.id;
    config = await discover(t.issuer, clientId, added.secret);
  });
  after(async () => {
    receiver.server.close();
    await t.close();
  });

  it('logging out of Latchkey sends the app a logout token it can verify, naming the user and the session of its id token', async () => {
    receiver.tokens.length = 0;
    const tokens = await signIn(new Agent()); // another browser: its session goes on
    const agent = new Agent();
    const mine = await signIn(agent);
    await logOutOfLatchkey(agent);
    await t.latchkey.oidc?.jobs.runOnce();
    assert.equal(receiver.tokens.length, 1, 'one logout token, for the session that ended only');
    const jwks = createRemoteJWKSet(new URL(`${t.issuer}/oidc/jwks`));
    const { payload } = await jwtVerify(receiver.tokens[0] as string, jwks, { issuer: t.issuer, audience: clientId });
    assert.equal(payload.sub, accountId);
    assert.equal(payload.sid, mine.claims()?.sid);
    assert.notEqual(payload.sid, tokens.claims()?.sid);
    assert.deepEqual(payload.events, { [BACKCHANNEL_EVENT]: {} });
    assert.equal(payload.nonce, undefined);
    assert.equal(await noticesQueued(), 0);
    await t.latchkey.oidc?.jobs.runOnce();
    assert.equal(receiver.tokens.length, 1, 'sent once');
  });

  it('an app that is down is told later: the notice stays queued, is retried after a pause, and the failure is logged', async () => {
    receiver.tokens.length = 0;
    const agent = new Agent();
    await signIn(agent);
    await logOutOfLatchkey(agent);
    receiver.failures = 1;
    await t.latchkey.oidc?.jobs.runOnce();
    assert.equal(receiver.tokens.length, 0);
    assert.equal(await noticesQueued(), 1);
    assert.ok(t.logs.some((line) => line.includes('back-channel logout failed; will retry')));
    await t.latchkey.oidc?.jobs.runOnce();
    assert.equal(receiver.tokens.length, 0, 'not before its pause');
    t.clock.advance(2_000);
    await t.latchkey.oidc?.jobs.runOnce();
    assert.equal(receiver.tokens.length, 1);
    assert.equal(await noticesQueued(), 0);
  });

  it('RP-initiated logout ends the Latchkey session too, and the app is told once', async () => {
    receiver.tokens.length = 0;
    const agent = new Agent();
    const tokens = await signIn(agent);
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: 'https://app.example.test/' });
    const page = await (await agent.request(url.toString())).text();
    const action = /action="([^"]+)"/.exec(page)?.[1] ?? '';
    const kept = new Map(agent.cookies);
    const out = await agent.request(new URL(action, t.issuer).toString(), { method: 'POST', form: { xsrf: hiddenField(page, 'xsrf'), logout: 'yes' } });
    assert.equal(out.status, 303);
    assert.ok(!agent.cookies.has('sessionid'), 'the Latchkey cookies are cleared');
    await t.latchkey.oidc?.jobs.runOnce();
    await t.latchkey.oidc?.jobs.runOnce();
    assert.equal(receiver.tokens.length, 1);
    // The old cookies, presented again, open nothing: the session itself ended.
    const replay = new Agent();
    for (const [name, value] of kept) replay.cookies.set(name, value);
    const account = await replay.request(`${t.issuer}/account`);
    assert.equal(account.status, 303, 'signed out of Latchkey');
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
  });
});
