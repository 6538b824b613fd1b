/**
 * REQUIRE_MFA and the second step's settings (docs/security.md, "Second factor"): with
 * REQUIRE_MFA=on an account without a factor is refused on the JSON and cookie APIs with an error
 * naming the pages, and on the pages is signed in only to enrol one (every other /account form
 * sends it back); once it has a passkey it signs in as any account with a factor.
 * MFA_STEP_ATTEMPTS and MFA_STEP_TTL bound a pending step. SQLite, and PostgreSQL with
 * TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { action } from '../cookie/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { register } from '../support/jwt-api.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { softAuthenticator } from '../passkeys/authenticator.js';
import { addPasskey, passwordLogin } from '../passkeys/helpers.js';

const PASSWORD = 'require mfa password';
const jsonLogin = (t: TestInstance, username: string) => call(t.app, 'POST', '/api/v1/account/login', { json: { username, password: PASSWORD } });

describe('REQUIRE_MFA=on', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { REQUIRE_MFA: 'on', MFA_STEP_ATTEMPTS: '2', MFA_STEP_TTL: '60', RETURN_TO_ORIGINS: 'https://app.example.test' } });
    for (const name of ['gus', 'hal']) await register(t.app, name, PASSWORD);
  });
  after(() => t.close());

  it('the APIs refuse an account without a factor with an error that sends the user to the pages', async () => {
    const json = await jsonLogin(t, 'gus');
    assert.equal(json.status, 403, json.text);
    assert.equal(json.body.error.code, 'mfa_enrolment_required');
    assert.match(json.body.error.message, /\/account/);
    const cookie = await action(t.app, new CookieJar(), 'login', { username: 'gus', password: PASSWORD });
    assert.equal(cookie.status, 403, cookie.text);
    assert.equal(cookie.body.error.code, 'mfa_enrolment_required');
    assert.equal(String(cookie.headers['set-cookie'] ?? '').includes('sessionid='), false);
    const wrong = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'gus', password: 'not it' } });
    assert.equal(wrong.status, 401, 'a wrong password still says only that');
  });

  it('the pages sign it in to enrol a factor and nothing else; with a passkey it is a normal account', async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login?return_to=https%3A%2F%2Fapp.example.test%2Fhome');
    const login = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'hal', password: PASSWORD, return_to: 'https://app.example.test/home' });
    assert.equal(login.status, 303);
    assert.equal(login.headers.location, '/account', 'enrolment first, not back to the app');
    const account = await getPage(t.app, jar, '/account');
    assert.match(account.text, /<h1>Add a second factor<\/h1>/);
    assert.doesNotMatch(account.text, /Change password|Delete account/);
    const csrf = hiddenField(account.text, 'csrf');
    const change = await postForm(t.app, jar, '/account/password', { csrf, current_password: PASSWORD, password: 'a new password 1', password_confirm: 'a new password 1' });
    assert.equal(change.status, 303);
    assert.equal(change.headers.location, '/account', 'other forms send it back to enrol');
    assert.equal((await getPage(t.app, jar, '/account/delete')).headers.location, '/account');

    const added = await addPasskey(t, jar, softAuthenticator(), { passkey_password: PASSWORD });
    assert.match(added.page.text, /Your recovery codes/);
    assert.match((await getPage(t.app, jar, '/account')).text, /<h1>Your account<\/h1>/);
    const json = await jsonLogin(t, 'hal');
    assert.equal(json.status, 401);
    assert.equal(json.body.error.code, 'mfa_required');
    assert.deepEqual(json.body.error.methods, ['passkey', 'recovery_code']);
  });

  it('a pending step dies after MFA_STEP_ATTEMPTS wrong codes and after MFA_STEP_TTL seconds', async () => {
    const second = (mfaToken: string, code: string) => call(t.app, 'POST', '/api/v1/account/login/mfa', { json: { mfaToken, code } });
    const token = (await jsonLogin(t, 'hal')).body.error.mfaToken as string;
    assert.equal((await second(token, 'aaaa-aaaa-aaaa-aaaa')).body.error.code, 'invalid_credentials');
    assert.equal((await second(token, 'aaaa-aaaa-aaaa-aaab')).body.error.code, 'invalid_credentials');
    assert.equal((await second(token, 'aaaa-aaaa-aaaa-aaac')).body.error.code, 'invalid_token', 'two wrong codes ended it');
    const slow = (await jsonLogin(t, 'hal')).body.error.mfaToken as string;
    t.clock.advance(61_000);
    assert.equal((await second(slow, 'aaaa-aaaa-aaaa-aaad')).body.error.code, 'invalid_token', 'sixty seconds ended it');
  });

  it('start-up refuses bad values with one line naming the setting', () => {
    for (const [name, value] of [['REQUIRE_MFA', 'maybe'], ['MFA_STEP_TTL', '5'], ['MFA_STEP_ATTEMPTS', '0']] as const) {
      assert.throws(() => loadConfig({ [name]: value }), (e) => e instanceof ConfigError && e.message.includes(name) && !e.message.includes('\n'));
    }
    assert.equal(loadConfig({}).mfa.required, false);
  });
});
