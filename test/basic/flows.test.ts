/**
 * The Basic dialect lived end to end with real argon2id and real SMTP: reset by emailed link
 * and by emailed password, change and delete revoking the JWT surface's sessions, and one
 * account used across the Basic and JWT surfaces.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox, type ReceivedMail } from '../support/mailbox.js';
import { login } from '../support/jwt-api.js';
import { basic, changeBody, createBody, curlChange, curlCheck, curlCreate, curlDelete, curlReset } from './seed-curl.js';

async function mailFor(t: TestInstance, mailbox: Mailbox, to: string, subject: RegExp): Promise<ReceivedMail> {
  await t.flushOutbox();
  return mailbox.waitFor((m) => m.to.includes(to) && subject.test(m.subject));
}

async function assertSignedOut(t: TestInstance, pair: { access: string; refresh: string }): Promise<void> {
  const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) });
  assert.equal(me.status, 401, me.text);
  const refresh = await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } });
  assert.equal(refresh.status, 401, refresh.text);
}

describe("Basic dialect with SMTP, reset in 'link' mode", () => {
  let t: TestInstance;
  let mailbox: Mailbox;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url });
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  it('SEC-48/53 reset: the emailed link sets a new password once, signs out every session and sends a notice', async () => {
    assert.equal((await curlCreate(t.app)).status, 201);
    const pair = await login(t.app, 'juliet@buddycloud.com', 'romeo-forever');
    const res = await curlReset(t.app);
    assert.equal(res.status, 200, res.text);
    assert.equal((await curlCheck(t.app)).status, 200, 'a request alone changes nothing');
    const mail = await mailFor(t, mailbox, 'juliet@buddycloud.com', /Reset your/);
    const token = new URL(linkFrom(mail, '/reset')).searchParams.get('token') as string;
    await t.service.completePasswordReset(token, 'balcony-scene-2');
    assert.equal((await curlCheck(t.app)).status, 401);
    assert.equal((await curlCheck(t.app, 'juliet@buddycloud.com', 'balcony-scene-2')).status, 200);
    await assertSignedOut(t, pair);
    await assert.rejects(t.service.completePasswordReset(token, 'balcony-scene-3'), (err: unknown) => isAuthError(err, 'INVALID_TOKEN'));
    await mailFor(t, mailbox, 'juliet@buddycloud.com', /password was changed/);
  });

  it('reset of an unknown account sends no email', async () => {
    const before = mailbox.messages.length;
    assert.equal((await curlReset(t.app, 'nobody@buddycloud.com')).status, 200);
    assert.equal(await t.flushOutbox(), 0);
    assert.equal(mailbox.messages.length, before);
  });

  it('SEC-40/57 change password (Basic) revokes a live JWT session and refresh token of the account, and emails a notice', async () => {
    assert.equal((await curlCreate(t.app, createBody('nurse@buddycloud.com', 'angelica-nurse-1'))).status, 201);
    const pair = await login(t.app, 'nurse@buddycloud.com', 'angelica-nurse-1');
    const res = await curlChange(t.app, ['nurse@buddycloud.com', 'angelica-nurse-1'], changeBody('nurse@buddycloud.com', 'angelica-nurse-2'));
    assert.equal(res.status, 200, res.text);
    await assertSignedOut(t, pair);
    await login(t.app, 'nurse@buddycloud.com', 'angelica-nurse-2');
    const notice = await mailFor(t, mailbox, 'nurse@buddycloud.com', /password was changed/);
    assert.doesNotMatch(notice.text, /angelica/);
  });

  it('SEC-39/58 delete revokes everything, emails a notice and frees the username (a new account gets a new id)', async () => {
    const created = await curlCreate(t.app, createBody('paris@buddycloud.com', 'county-paris'));
    const pair = await login(t.app, 'paris@buddycloud.com', 'county-paris');
    assert.equal((await curlDelete(t.app, 'paris@buddycloud.com', 'county-paris')).status, 200);
    await assertSignedOut(t, pair);
    assert.equal((await curlCheck(t.app, 'paris@buddycloud.com', 'county-paris')).status, 401);
    await mailFor(t, mailbox, 'paris@buddycloud.com', /deleted/);
    const again = await curlCreate(t.app, createBody('paris@buddycloud.com', 'county-paris'));
    assert.equal(again.status, 201, again.text);
    assert.notEqual(again.body.id, created.body.id);
  });

  it('one account across surfaces: made with Basic it logs in on the JWT API; made on the JWT API it works with Basic', async () => {
    assert.equal((await curlCreate(t.app, createBody('friar@buddycloud.com', 'laurence-cell'))).status, 201);
    const pair = await login(t.app, 'friar@buddycloud.com', 'laurence-cell');
    const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) });
    assert.equal(me.body.result.username, 'friar@buddycloud.com');

    const reg = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'Balthasar@BuddyCloud.com', password: 'mantua-news', email: 'balthasar@buddycloud.com' } });
    assert.equal(reg.status, 200, reg.text);
    const check = await curlCheck(t.app, 'balthasar@buddycloud.com', 'mantua-news');
    assert.equal(check.status, 200, check.text);
    const change = await call(t.app, 'POST', '/api/account/pw/change', {
      headers: basic('balthasar@buddycloud.com', 'mantua-news'),
      json: { username: 'balthasar@buddycloud.com', password: 'mantua-news-2' },
    });
    assert.equal(change.status, 200, change.text);
    await login(t.app, 'Balthasar@BuddyCloud.com', 'mantua-news-2');
  });
});

describe("Basic dialect with SMTP, reset in 'new_password' mode (README: The HTTP Basic API)", () => {
  let t: TestInstance;
  let mailbox: Mailbox;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url, env: { PASSWORD_RESET_MODE: 'new_password' } });
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  it('reset emails a new password that logs in; the old one and every session stop working', async () => {
    assert.equal((await curlCreate(t.app)).status, 201);
    const pair = await login(t.app, 'juliet@buddycloud.com', 'romeo-forever');
    const res = await curlReset(t.app);
    const unknown = await curlReset(t.app, 'nobody@buddycloud.com');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, unknown.text);
    const mail = await mailFor(t, mailbox, 'juliet@buddycloud.com', /new password/);
    const password = /^([A-Za-z0-9_-]{20})$/m.exec(mail.text)?.[1];
    assert.ok(password, mail.text);
    assert.equal((await curlCheck(t.app, 'juliet@buddycloud.com', password)).status, 200);
    assert.equal((await curlCheck(t.app)).status, 401);
    await assertSignedOut(t, pair);
    assert.equal(mailbox.messages.filter((m) => m.to.includes('nobody@buddycloud.com')).length, 0);
  });
});
