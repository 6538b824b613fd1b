/**
 * Passkeys after sign-up on the pages: the second step offers a passkey beside the code form;
 * removing passkeys needs the owner (a code or a passkey's assertion) and is mailed; the recovery
 * codes stay while a factor is left and go with the last one; bad input on every ceremony route
 * is a 4xx saying what is wrong, never a 500. SQLite, and PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { startMailbox, type Mailbox } from '../support/mailbox.js';
import { call } from '../support/http.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { softAuthenticator, type SoftCredential } from './authenticator.js';
import { addPasskey, fetchOptions, passwordLogin, signIn, signInOptions } from './helpers.js';
import { PASSKEY_SIGN_INS_PER_HOUR } from '../../src/core/credentials/address-limits.js';

const PASSWORD = 'passkey changes password';
const auth = softAuthenticator();

describe('passkeys: the second step, removal and bad input', () => {
  let t: TestInstance;
  let mailbox: Mailbox;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ hasher: 'fast', smtpUrl: mailbox.url, env: { RETURN_TO_ORIGINS: 'https://app.example.test' } });
    for (const name of ['dora', 'ed', 'fay']) {
      const res = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: name, password: PASSWORD, email: `${name}@example.com` } });
      assert.equal(res.status, 200, res.text);
    }
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  it('offers the passkey after the password; an unknown key counts as a failed attempt; the right one signs in and goes back to return_to', async () => {
    const reg = new CookieJar();
    await passwordLogin(t, reg, 'dora', PASSWORD);
    const { credential } = await addPasskey(t, reg, auth, { passkey_password: PASSWORD });

    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login?return_to=https%3A%2F%2Fapp.example.test%2Fback');
    const step = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'dora', password: PASSWORD, return_to: hiddenField(form.text, 'return_to') });
    assert.equal(step.status, 200);
    assert.match(step.text, /action="\/login\/mfa\/passkey"/, 'the passkey is offered');
    assert.match(step.headers['content-security-policy'] as string, /script-src 'self'/);
    const fields = { csrf: hiddenField(step.text, 'csrf'), mfa_token: hiddenField(step.text, 'mfa_token'), return_to: hiddenField(step.text, 'return_to') };
    const wrongCode = await postForm(t.app, jar, '/login/mfa', { ...fields, code: '000000', passkey: hiddenField(step.text, 'passkey') });
    assert.equal(wrongCode.status, 401);
    assert.match(wrongCode.text, /id="code"[^>]*aria-invalid="true"/, 'the code is refused on its field');
    assert.match(wrongCode.text, /action="\/login\/mfa\/passkey"/, 'after a wrong code the passkey is still offered');
    assert.match(wrongCode.headers['content-security-policy'] as string, /script-src 'self'/);
    const first = await fetchOptions(t, jar, '/login/mfa/passkey/options', fields);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.options.allowCredentials.map((c: { id: string }) => c.id), [credential.id.toString('base64url')], 'only her passkeys');
    const stranger: SoftCredential = auth.register({ challenge: 'x', user: { id: 'eA' } }).credential;
    const wrong = await postForm(t.app, jar, '/login/mfa/passkey', { ...fields, credential: JSON.stringify(auth.assert(first.body.options, stranger)) });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /That passkey was not accepted/);
    const second = await fetchOptions(t, jar, '/login/mfa/passkey/options', { ...fields, csrf: hiddenField(wrong.text, 'csrf') });
    const done = await postForm(t.app, jar, '/login/mfa/passkey', { ...fields, csrf: hiddenField(wrong.text, 'csrf'), credential: JSON.stringify(auth.assert(second.body.options, credential)) });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.location, 'https://app.example.test/back', 'return_to carried through the second step');
    const again = await fetchOptions(t, jar, '/login/mfa/passkey/options', { ...fields, csrf: hiddenField(wrong.text, 'csrf') });
    assert.equal(again.status, 401, 'the step is used');
    assert.equal(again.body.error.code, 'invalid_token');
  });

  it('removal needs the owner (a code or a passkey), is mailed, and the last factor takes the recovery codes with it', async () => {
    const jar = new CookieJar();
    await passwordLogin(t, jar, 'ed', PASSWORD);
    const first = await addPasskey(t, jar, auth, { passkey_password: PASSWORD }, 'One');
    const codes = [...first.page.text.matchAll(/<li><code>([a-z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1] as string);
    const second = await addPasskey(t, jar, auth, { passkey_password: PASSWORD, code: codes[0] as string }, 'Two');
    const ids = [...second.page.text.matchAll(/name="passkey" value="([^"]+)"/g)].map((m) => m[1] as string);
    assert.equal(ids.length, 2);
    const csrf = hiddenField(second.page.text, 'csrf');

    const unconfirmed = await postForm(t.app, jar, '/account/passkeys/remove', { csrf, passkey: ids[0] as string, remove_password: PASSWORD, code: codes[1] as string });
    assert.equal(unconfirmed.status, 400, 'removing is confirmed by the ticked box');
    assert.match(unconfirmed.text, new RegExp(`id="pk_${ids[0] as string}_confirm"[^>]*aria-invalid="true"`));
    assert.match(unconfirmed.text, /<strong>One<\/strong>/, 'still there');
    const noProof = await postForm(t.app, jar, '/account/passkeys/remove', { csrf, passkey: ids[0] as string, remove_password: PASSWORD, confirm: 'yes' });
    assert.equal(noProof.status, 400, 'the password alone is not enough');
    assert.match(noProof.text, /password or the code is not correct/);
    const stranger = auth.register({ challenge: 'x', user: { id: 'eA' } }).credential;
    const strangerOptions = await fetchOptions(t, jar, '/account/passkeys/proof-options', { csrf });
    const forged = await postForm(t.app, jar, '/account/passkeys/remove', {
      csrf,
      passkey: ids[0] as string,
      remove_password: PASSWORD,
      confirm: 'yes',
      passkey_proof: JSON.stringify(auth.assert(strangerOptions.body.options, stranger)),
    });
    assert.equal(forged.status, 400, 'a passkey that is not hers proves nothing');
    assert.match(forged.text, /<strong>One<\/strong>/, 'still there');
    const proofOptions = await fetchOptions(t, jar, '/account/passkeys/proof-options', { csrf });
    assert.equal(proofOptions.status, 200);
    const byPasskey = await postForm(t.app, jar, '/account/passkeys/remove', {
      csrf,
      passkey: ids[0] as string,
      remove_password: PASSWORD,
      confirm: 'yes',
      passkey_proof: JSON.stringify(auth.assert(proofOptions.body.options, second.credential)),
    });
    assert.equal(byPasskey.status, 200, byPasskey.text);
    assert.match(byPasskey.text, /The passkey was removed/);
    assert.match(byPasskey.text, /9 recovery codes left/, 'a factor is left: the codes stay');
    await t.flushOutbox();
    await mailbox.waitFor((m) => m.to.includes('ed@example.com') && /A passkey was removed/.test(m.text));

    const last = await postForm(t.app, jar, '/account/passkeys/remove', { csrf, passkey: ids[1] as string, remove_password: PASSWORD, code: codes[1] as string, confirm: 'yes' });
    assert.equal(last.status, 200, last.text);
    assert.match(last.text, /Passkeys<\/h2><p>[^<]*<\/p>\n<p>None\./);
    assert.doesNotMatch(last.text, /recovery codes left/);
    const later = new CookieJar();
    assert.equal((await passwordLogin(t, later, 'ed', PASSWORD)).status, 303, 'no factor left: the password alone signs in');
    const { id: uuid } = await t.latchkey.database.db.selectFrom('accounts').select('id').where('username', '=', 'ed').executeTakeFirstOrThrow();
    assert.deepEqual(await t.service.secondFactor.status(uuid), { totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    const left = await t.latchkey.database.db.selectFrom('recovery_codes').select('id').where('account_id', '=', uuid).execute();
    assert.equal(left.length, 0, 'the unused recovery codes are gone with the last factor');
  });

  it('answers bad input on every ceremony route with a 4xx that says what is wrong', async () => {
    const jar = new CookieJar();
    const { csrf } = await signInOptions(t, jar);
    for (const [credential, text] of [
      ['{not json', /not valid JSON/],
      ['{"id":1}', /not a WebAuthn response/],
      ['[]', /not a WebAuthn response/],
      ['', /needs JavaScript/],
      [JSON.stringify({ id: 'abc', response: { clientDataJSON: 'not base64 !!' } }), /not a WebAuthn response/],
    ] as const) {
      const res = await signIn(t, jar, csrf, credential);
      assert.equal(res.status, 400, `${credential}: ${res.text}`);
      assert.match(res.text, text);
    }
    assert.equal((await signIn(t, jar, csrf, 'x'.repeat(20_000))).status, 400, 'too long');
    assert.equal((await postForm(t.app, jar, '/login/passkey/options', {})).status, 403, 'no CSRF token');
    const dead = await fetchOptions(t, jar, '/login/mfa/passkey/options', { csrf, mfa_token: 'no such step' });
    assert.equal(dead.status, 401);
    assert.match(dead.body.error.message, /log in again/);

    const own = new CookieJar();
    await passwordLogin(t, own, 'fay', PASSWORD);
    const account = await getPage(t.app, own, '/account');
    const finish = await postForm(t.app, own, '/account/passkeys/finish', { csrf: hiddenField(account.text, 'csrf'), name: 'x', credential: '{"id":"AA","response":{"clientDataJSON":"e30"}}' });
    assert.equal(finish.status, 400, 'a response to no challenge');
    const noPasskey = await fetchOptions(t, own, '/account/passkeys/proof-options', { csrf: hiddenField(account.text, 'csrf') });
    assert.equal(noPasskey.status, 400);
    assert.match(noPasskey.body.error.message, /no passkey/);
  });

  it('an address may start a bounded number of passwordless sign-ins an hour: then 429 with Retry-After', async () => {
    const jar = new CookieJar();
    const { csrf } = await signInOptions(t, jar); // earlier tests started a few already
    let answer = await fetchOptions(t, jar, '/login/passkey/options', { csrf });
    for (let i = 0; i < PASSKEY_SIGN_INS_PER_HOUR && answer.status === 200; i += 1) answer = await fetchOptions(t, jar, '/login/passkey/options', { csrf });
    assert.equal(answer.status, 429);
    assert.match(answer.body.error.message, /too many passkey sign-ins/);
    t.clock.advance(3_600_000);
    assert.equal((await fetchOptions(t, jar, '/login/passkey/options', { csrf })).status, 200, 'the next hour may start again');
  });
});
