/**
 * The JSON API alone runs every account flow the pages run, over real SMTP: sign-up by email,
 * resend, confirm with the emailed token, /me (emailVerified, hasPassword), password change
 * (other sessions end, notice mailed), reset request and completion (every session ends), and
 * deletion with the current password; unknown addresses get the same bytes; a returnTo outside
 * RETURN_TO_ORIGINS is refused and an allowed one rides on the emailed link.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox, type ReceivedMail } from '../support/mailbox.js';
import { login } from '../support/jwt-api.js';

const API = '/api/v1/account';
const APP = 'https://app.example.test/done';

describe('JSON API: every account flow', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url, hasher: 'fast', env: { RETURN_TO_ORIGINS: 'https://app.example.test' } });
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  const post = (path: string, json: object, headers: Record<string, string> = {}) => call(t.app, 'POST', `${API}${path}`, { json, headers });
  async function nextMail(to: string, subject: RegExp): Promise<ReceivedMail> {
    await t.flushOutbox();
    return mailbox.waitFor((m) => m.to.includes(to) && subject.test(m.subject) && !taken.has(m));
  }
  const taken = new Set<ReceivedMail>();
  const tokenOf = (mail: ReceivedMail, path: string) => {
    taken.add(mail);
    return new URL(linkFrom(mail, path)).searchParams.get('token') as string;
  };

  it('signs up by email, resends, confirms with the emailed token and shows emailVerified and hasPassword', async () => {
    assert.equal((await post('/signup', { email: 'api-user@example.com', returnTo: APP })).status, 200);
    const first = await nextMail('api-user@example.com', /Confirm/);
    assert.equal(new URL(linkFrom(first, '/confirm')).searchParams.get('return_to'), APP, 'the link carries the allowed returnTo');
    const stale = tokenOf(first, '/confirm');
    assert.equal((await post('/confirmation/resend', { email: 'api-user@example.com' })).status, 200);
    const fresh = tokenOf(await nextMail('api-user@example.com', /Confirm/), '/confirm');
    const dead = await post('/confirm', { token: stale, password: 'api user passphrase' });
    assert.equal(dead.status, 401);
    assert.equal(dead.body.error.code, 'invalid_token', 'the resend superseded the first link');
    assert.equal((await post('/confirm', { token: fresh, password: 'api user passphrase' })).status, 200);
    assert.equal((await post('/confirm', { token: fresh, password: 'api user passphrase' })).status, 401, 'a link works once');

    const pair = await login(t.app, 'api-user@example.com', 'api user passphrase');
    const me = await call(t.app, 'GET', `${API}/me`, { headers: bearer(pair.access) });
    assert.equal(me.status, 200);
    assert.equal(me.body.result.emailVerified, true);
    assert.equal(me.body.result.hasPassword, true);
    assert.equal(me.body.result.status, 'active');
  });

  it('answers sign-up, resend and reset requests for unknown and taken addresses with the same bytes', async () => {
    const a = await post('/signup', { email: 'api-user@example.com' });
    const b = await post('/signup', { email: 'nobody-api@example.com' });
    assert.equal(a.text, b.text);
    const c = await post('/confirmation/resend', { email: 'api-user@example.com' });
    const d = await post('/confirmation/resend', { email: 'nobody-at-all@example.com' });
    assert.equal(c.text, d.text);
    const e = await post('/password/reset', { identifier: 'nobody-at-all@example.com' });
    assert.equal(e.status, 200);
    assert.equal(e.text, c.text);
  });

  it('refuses a returnTo outside RETURN_TO_ORIGINS with invalid_input, sending nothing', async () => {
    for (const returnTo of ['https://evil.example/', '//evil.example', 'javascript:alert(1)', 'https://app.example.test@evil.example/']) {
      const res = await post('/password/reset', { identifier: 'api-user@example.com', returnTo });
      assert.equal(res.status, 400, returnTo);
      assert.equal(res.body.error.field, 'returnTo');
    }
  });

  it('changes the password with the current one: other sessions end, this one stays, a notice is mailed', async () => {
    const other = await login(t.app, 'api-user@example.com', 'api user passphrase');
    const mine = await login(t.app, 'api-user@example.com', 'api user passphrase');
    const wrong = await post('/password', { currentPassword: 'not the password', password: 'second api passphrase' }, bearer(mine.access));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'invalid_credentials');
    assert.equal((await post('/password', { currentPassword: 'api user passphrase', password: 'second api passphrase' })).status, 401, 'needs a token');
    const ok = await post('/password', { currentPassword: 'api user passphrase', password: 'second api passphrase' }, bearer(mine.access));
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await call(t.app, 'GET', `${API}/me`, { headers: bearer(mine.access) })).status, 200);
    assert.equal((await call(t.app, 'GET', `${API}/me`, { headers: bearer(other.access) })).status, 401);
    taken.add(await nextMail('api-user@example.com', /password/i));
  });

  it('resets the password with the emailed token: every session ends, the new password logs in', async () => {
    const before = await login(t.app, 'api-user@example.com', 'second api passphrase');
    t.clock.advance(61_000); // the address's mail budget (one link a minute) was spent by the sign-up notice
    assert.equal((await post('/password/reset', { identifier: 'api-user@example.com', returnTo: APP })).status, 200);
    const mail = await nextMail('api-user@example.com', /reset/i);
    assert.equal(new URL(linkFrom(mail, '/reset')).searchParams.get('return_to'), APP);
    const token = tokenOf(mail, '/reset');
    const weak = await post('/password/reset/complete', { token, password: 'short' });
    assert.equal(weak.status, 400);
    assert.equal((await post('/password/reset/complete', { token, password: 'third api passphrase' })).status, 200);
    assert.equal((await call(t.app, 'GET', `${API}/me`, { headers: bearer(before.access) })).status, 401, 'every session ended');
    assert.equal((await post('/password/reset/complete', { token, password: 'fourth api passphrase' })).status, 401, 'a link works once');
    await login(t.app, 'api-user@example.com', 'third api passphrase');
  });

  it('SEC-58 deletes the account only with the current password; its tokens die and a notice is mailed', async () => {
    const pair = await login(t.app, 'api-user@example.com', 'third api passphrase');
    assert.equal((await post('/delete', { currentPassword: 'wrong one here' }, bearer(pair.access))).status, 401);
    assert.equal((await call(t.app, 'GET', `${API}/me`, { headers: bearer(pair.access) })).status, 200, 'a wrong password deletes nothing');
    assert.equal((await post('/delete', { currentPassword: 'third api passphrase' }, bearer(pair.access))).status, 200);
    assert.equal((await call(t.app, 'GET', `${API}/me`, { headers: bearer(pair.access) })).status, 401);
    const gone = await call(t.app, 'POST', `${API}/login`, { json: { username: 'api-user@example.com', password: 'third api passphrase' } });
    assert.equal(gone.status, 401);
    taken.add(await nextMail('api-user@example.com', /deleted/i));
  });

  it('refuses malformed bodies with invalid_input, never a 500', async () => {
    for (const [path, json] of [
      ['/signup', {}],
      ['/signup', { email: 'x@example.com', extra: 1 }],
      ['/confirm', { token: 1, password: 'x' }],
      ['/password/reset/complete', { token: 'a'.repeat(201), password: 'x' }],
      ['/password', { currentPassword: '', password: 'x' }],
      ['/delete', { currentPassword: 'x'.repeat(1024) }],
    ] as const) {
      const res = await post(path, json, bearer('x'));
      assert.equal(res.status, 400, `${path} ${res.text}`);
      assert.equal(res.body.ok, false);
    }
  });
});
