/**
 * `prompt=login` and `max_age`: an app may ask for a sign-in that is fresh. A user signed in to
 * Latchkey longer ago than the app accepts (or at all, with prompt=login) signs in again on the
 * hosted /login page before the app gets its code, and the id token's `auth_time` is the time of
 * the Latchkey login the code was given under: the original one when the session was reused
 * (silently too), the new one after signing in again.
 *
 * Latchkey's clock is the test's fake clock and the provider's is the real one; they are the
 * same clock in production, so here the fake one follows the real time, except for a login "two
 * minutes ago", made with the fake clock set back.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { Agent, authorize, discover, hiddenField, hiddenFields, PASSWORD, startOidcInstance, type AuthorizeOptions, type OidcInstance } from './support.js';

const APP = 'https://app.example.test/callback';
const TWO_MINUTES = 120_000;
const seconds = (ms: number): number => Math.floor(ms / 1000);

describe('OIDC prompt=login and max_age', () => {
  let t: OidcInstance;
  let firstParty: oidc.Configuration;
  let thirdParty: oidc.Configuration;

  /** An authorization with `extra` parameters, signing in when a page asks; its tokens (openid-client checks auth_time against `maxAge`) and the pages seen. */
  async function signIn(config: oidc.Configuration, agent: Agent, extra: Record<string, string> = {}, options: AuthorizeOptions = {}) {
    const run = await authorize(config, agent, t.issuer, APP, { ...options, extra });
    assert.equal(run.callback.searchParams.get('error'), null, `no error: ${run.callback.search}`);
    const maxAge = extra.max_age === undefined ? undefined : Number(extra.max_age);
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce, ...(maxAge === undefined ? {} : { maxAge }) });
    return { tokens, pages: run.pages, authTime: tokens.claims()?.auth_time };
  }

  /** A browser whose Latchkey session (and grant for `config`) was made two minutes ago; the session's auth time. */
  async function signedInTwoMinutesAgo(config: oidc.Configuration): Promise<{ agent: Agent; authTime: number }> {
    const agent = new Agent();
    const at = Date.now() - TWO_MINUTES;
    t.clock.set(at);
    const first = await signIn(config, agent);
    assert.deepEqual(first.pages.slice(0, 1), ['/login']);
    t.clock.followRealTime();
    return { agent, authTime: seconds(at) };
  }

  /** The start of an authorization with `extra`: every redirect followed on Latchkey's origin. */
  async function start(config: oidc.Configuration, agent: Agent, extra: Record<string, string>) {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: APP, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: 's', ...extra });
    return agent.follow(url.toString(), t.issuer);
  }

  before(async () => {
    t = await startOidcInstance();
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
    await t.service.registerAccount({ username: 'bob', password: PASSWORD });
    const a = await t.addClient({ name: 'Notes', redirectUris: [APP], firstParty: true });
    const b = await t.addClient({ name: 'Tracker', redirectUris: [APP] });
    firstParty = await discover(t.issuer, a.client.id, a.secret);
    thirdParty = await discover(t.issuer, b.client.id, b.secret);
  });
  beforeEach(() => t.clock.followRealTime());
  after(async () => t.close());

  it('without either, a signed-in user goes straight back, and auth_time is the Latchkey login, not the authorization', async () => {
    const { agent, authTime } = await signedInTwoMinutesAgo(firstParty);
    const again = await signIn(firstParty, agent);
    assert.deepEqual(again.pages, []);
    assert.equal(again.authTime, authTime);
  });

  it('prompt=login shows the login form to a signed-in user, with a notice; going back to the authorization without signing in leads there again', async () => {
    const { agent } = await signedInTwoMinutesAgo(firstParty);
    const { res, url } = await start(firstParty, agent, { prompt: 'login' });
    assert.equal(res.status, 200);
    assert.equal(new URL(url).pathname, '/login');
    assert.equal(new URL(url).searchParams.get('reauth'), '1');
    const page = await res.text();
    assert.match(page, /role="status">The app asks you to sign in again before you continue\.</);
    assert.match(page, /name="password"/);
    const back = hiddenFields(page).return_to ?? '';
    assert.match(back, /\/oidc\/interaction\/[A-Za-z0-9_-]+$/);
    const skipped = await agent.follow(back, t.issuer);
    assert.equal(new URL(skipped.url).pathname, '/login', 'the live session is not enough');
  });

  it('prompt=login: after signing in again the app gets a code whose auth_time is the new login, under a new session', async () => {
    const { agent, authTime } = await signedInTwoMinutesAgo(firstParty);
    const oldSession = agent.cookies.get('sessionid');
    const asked = seconds(Date.now());
    const fresh = await signIn(firstParty, agent, { prompt: 'login' });
    assert.deepEqual(fresh.pages, ['/login']);
    assert.ok(fresh.authTime !== undefined && fresh.authTime >= asked && fresh.authTime > authTime, `auth_time ${fresh.authTime} is not after the prompt (${asked})`);
    assert.notEqual(agent.cookies.get('sessionid'), oldSession, 'signing in again replaced the session');
    // The next authorization reuses the new session, silently, with its auth_time.
    const after = await signIn(firstParty, agent, { prompt: 'none' });
    assert.equal(after.authTime, fresh.authTime);
  });

  it('max_age=0 forces signing in again', async () => {
    const { agent, authTime } = await signedInTwoMinutesAgo(firstParty);
    const fresh = await signIn(firstParty, agent, { max_age: '0' });
    assert.deepEqual(fresh.pages, ['/login']);
    assert.ok(fresh.authTime !== undefined && fresh.authTime > authTime);
  });

  it('max_age shorter than the session forces signing in again; a large one reuses the session with its original auth_time', async () => {
    const { agent, authTime } = await signedInTwoMinutesAgo(firstParty);
    const reused = await signIn(firstParty, agent, { max_age: '3600' });
    assert.deepEqual(reused.pages, []);
    assert.equal(reused.authTime, authTime);
    const fresh = await signIn(firstParty, agent, { max_age: '60' });
    assert.deepEqual(fresh.pages, ['/login']);
    assert.ok(fresh.authTime !== undefined && fresh.authTime >= seconds(Date.now()) - 5);
  });

  it('prompt=none with max_age exceeded answers login_required; within max_age the code carries the original auth_time', async () => {
    const { agent, authTime } = await signedInTwoMinutesAgo(firstParty);
    const { res, url } = await start(firstParty, agent, { prompt: 'none', max_age: '60' });
    assert.ok(res.status >= 300 && res.status < 400, 'a redirect back to the app, no page');
    assert.equal(new URL(url).origin + new URL(url).pathname, APP);
    assert.equal(new URL(url).searchParams.get('error'), 'login_required');
    const within = await signIn(firstParty, agent, { prompt: 'none', max_age: '3600' });
    assert.equal(within.authTime, authTime);
  });

  it('a third-party app with prompt=login: the login form first, then consent; a consent posted with the old session goes to the login form', async () => {
    const { agent } = await signedInTwoMinutesAgo(thirdParty);
    const { url } = await start(thirdParty, agent, { prompt: 'login' });
    const interaction = new URL(url).searchParams.get('return_to') ?? '';
    const csrf = hiddenField(await (await agent.request(`${t.issuer}/account`)).text(), 'csrf');
    const posted = await agent.request(`${interaction}/consent`, { method: 'POST', form: { csrf, decision: 'allow' } });
    assert.equal(posted.status, 303);
    assert.equal(new URL(posted.headers.get('location') ?? '', t.issuer).pathname, '/login', 'no code for a stale session');
    const fresh = await signIn(thirdParty, agent, { prompt: 'login' }, { consent: 'allow' });
    assert.equal(fresh.pages[0], '/login');
    assert.match(fresh.pages[1] ?? '', /^\/oidc\/interaction\//);
  });

  it('signing in again as another account gives the app that account, and its Latchkey session stays signed in', async () => {
    const { agent } = await signedInTwoMinutesAgo(firstParty);
    const switched = await signIn(firstParty, agent, { prompt: 'login' }, { username: 'bob' });
    // One sign-in; the other page is the provider's self-submitting form ending its session of alice.
    assert.deepEqual(switched.pages.map((p) => p.replace(/^(\/oidc\/auth\/).+$/, '$1…')), ['/login', '/oidc/auth/…']);
    const bob = await t.service.resolveCookieSession(agent.cookies.get('sessionid') ?? '');
    assert.equal(bob?.account.username, 'bob');
    assert.equal(switched.tokens.claims()?.sub, bob?.account.id);
    assert.equal((await oidc.tokenIntrospection(firstParty, switched.tokens.access_token)).active, true);
  });
});
