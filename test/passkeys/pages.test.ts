/**
 * Passkeys on the hosted pages, checked on the server with a software authenticator (the browser
 * itself: browser.test.ts): adding needs the owner's proof and the first passkey brings the
 * recovery codes; sign-in without a password; every refusal a user or an attacker can meet
 * (a challenge never issued, replayed, expired or of another ceremony; an unknown credential;
 * another origin; no user verification; bad JSON); removal down to the last factor. SQLite, and
 * PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { register } from '../support/jwt-api.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { softAuthenticator } from './authenticator.js';
import { addPasskey, embeddedOptions, fetchOptions, passwordLogin, signIn, signInOptions, startAdding } from './helpers.js';

const PASSWORD = 'passkey pages password';
const auth = softAuthenticator();

/** The ten recovery codes a page lists. */
const codesOn = (text: string): string[] => [...text.matchAll(/<li><code>([a-z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1] as string);

describe('passkeys on the hosted pages (server side)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { RETURN_TO_ORIGINS: 'https://app.example.test' } });
    for (const name of ['alice', 'bob', 'carol']) await register(t.app, name, PASSWORD);
  });
  after(() => t.close());

  it('adding a passkey needs the password; the first brings ten recovery codes, a second needs a code too and brings none', async () => {
    const jar = new CookieJar();
    assert.equal((await passwordLogin(t, jar, 'alice', PASSWORD)).status, 303);
    const wrong = await startAdding(t, jar, { passkey_password: 'not the password' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /password or the code is not correct/);

    const first = await addPasskey(t, jar, auth, { passkey_password: PASSWORD }, 'Laptop <one>');
    assert.match(first.page.text, /Your recovery codes/);
    const codes = codesOn(first.page.text);
    assert.equal(codes.length, 10);
    const account = await getPage(t.app, jar, '/account');
    assert.match(account.text, /<strong>Laptop &lt;one&gt;<\/strong> · added/, 'listed by name, escaped');
    assert.match(account.text, /10 recovery codes left/);
    assert.match(account.text, /No authenticator app: your passkeys are your second factor/, 'the app section does not call the account unprotected');

    const passwordOnly = await startAdding(t, jar, { passkey_password: PASSWORD });
    assert.equal(passwordOnly.status, 400, 'with a factor on, the password alone is not the owner');
    const second = await addPasskey(t, jar, auth, { passkey_password: PASSWORD, code: codes[0] as string }, 'Phone');
    assert.match(second.page.text, /The passkey is added/);
    assert.equal(codesOn(second.page.text).length, 0, 'no new recovery codes for a second factor');
    assert.match(second.page.text, /9 recovery codes left/, 'the code spent on the proof is gone');
  });

  it('signs in with a passkey alone, keeps an allowed return_to, and the session records hwk', async () => {
    const reg = new CookieJar();
    await passwordLogin(t, reg, 'bob', PASSWORD);
    const { credential } = await addPasskey(t, reg, auth, { passkey_password: PASSWORD });

    const jar = new CookieJar();
    const { csrf, options } = await signInOptions(t, jar);
    assert.equal(options.userVerification, 'required');
    assert.deepEqual(options.allowCredentials, [], 'a discoverable credential: no account named first');
    const res = await signIn(t, jar, csrf, auth.assert(options, credential), { return_to: 'https://app.example.test/after' });
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.location, 'https://app.example.test/after');
    assert.match((await getPage(t.app, jar, '/account')).text, /<dd>bob<\/dd>/);
    const key = (await t.latchkey.services.addServiceKey('passkey-reader')).credential;
    const seen = await call(t.app, 'POST', '/api/v1/introspect', { json: { session: jar.get('sessionid') }, headers: bearer(key) });
    assert.deepEqual(seen.body.result.amr, ['hwk']);
  });

  it('refuses a challenge never issued, a replayed answer, an expired or another ceremony’s challenge, an unknown key, another origin, no user verification', async () => {
    const reg = new CookieJar();
    await passwordLogin(t, reg, 'carol', PASSWORD);
    const { credential, page } = await addPasskey(t, reg, auth, { passkey_password: PASSWORD });
    const recoveryCode = codesOn(page.text)[0] as string;
    const jar = new CookieJar();
    const refused = async (answer: (options: any) => unknown, text: RegExp, status = 401) => {
      const { csrf, options } = await signInOptions(t, jar);
      const res = await signIn(t, jar, csrf, answer(options));
      assert.equal(res.status, status, res.text);
      assert.match(res.text, text);
      assert.equal(String(res.headers['set-cookie'] ?? '').includes('sessionid='), false, 'no session');
      return res;
    };

    await refused(() => auth.assert({ challenge: randomBytes(32).toString('base64url') }, credential), /That passkey request has expired/);
    const { csrf, options } = await signInOptions(t, jar);
    const once = auth.assert(options, credential);
    assert.equal((await signIn(t, new CookieJar(), csrf, once)).status, 403, 'the form token is the visitor’s own');
    const attacker = jar.clone(); // the same form, replayed later
    assert.equal((await signIn(t, jar, csrf, once)).status, 303, 'a refused cross-site post did not spend the challenge');
    const replay = await signIn(t, attacker, csrf, once);
    assert.equal(replay.status, 401, 'the same answer twice: the challenge is single use');
    assert.match(replay.text, /That passkey request has expired/);
    await refused((o) => {
      t.clock.advance(301_000);
      return auth.assert(o, credential);
    }, /expired/);
    const create = await startAdding(t, reg, { passkey_password: PASSWORD, code: recoveryCode });
    assert.equal(create.status, 200, create.text);
    const registration = embeddedOptions(create.text);
    await refused(() => auth.assert({ challenge: registration.challenge }, credential), /expired/, 401);
    await refused((o) => auth.assert(o, auth.register({ challenge: o.challenge, user: { id: 'bm9ib2R5' } }).credential), /That passkey was not accepted/);
    await refused((o) => auth.assert(o, credential, { origin: 'http://evil.example.test' }), /not accepted/);
    await refused((o) => auth.assert(o, credential, { userVerified: false }), /not accepted/);
  });
});
