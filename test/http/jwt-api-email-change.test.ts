/**
 * Changing the email on the JSON API over real SMTP: the current password first; the new address
 * gets a link and the old one a notice; nothing changes (the old email still logs in) until the
 * link is used; a taken address gets the same answer and its owner a notice; two accounts racing
 * for one address: the second link is refused once the first has claimed it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox, type ReceivedMail } from '../support/mailbox.js';
import { login, type Pair } from '../support/jwt-api.js';

const API = '/api/v1/account';
const PW = 'moving house passphrase';

describe('JSON API: change email with re-verification', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  let alice: Pair;
  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url, hasher: 'fast' });
    await t.service.registerAccount({ username: 'alice-ec', password: PW, email: 'alice-old@example.com' });
    await t.service.registerAccount({ username: 'bob-ec', password: PW, email: 'bob@example.com' });
    await t.service.registerAccount({ username: 'carol-ec', password: PW, email: 'carol@example.com' });
    await t.service.registerAccount({ username: 'dave@example.net', password: PW });
    alice = await login(t.app, 'alice-ec', PW);
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  const change = (pair: Pair, json: object) => call(t.app, 'POST', `${API}/email`, { json, headers: bearer(pair.access) });
  const loginStatus = async (username: string) => (await call(t.app, 'POST', `${API}/login`, { json: { username, password: PW } })).status;
  async function mailTo(to: string, subject: RegExp): Promise<ReceivedMail> {
    await t.flushOutbox();
    return mailbox.waitFor((m) => m.to.includes(to) && subject.test(m.subject));
  }
  const tokenOf = (mail: ReceivedMail) => new URL(linkFrom(mail, '/email/confirm')).searchParams.get('token') as string;

  it('needs the current password', async () => {
    const wrong = await change(alice, { currentPassword: 'not my password', email: 'alice-new@example.com' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.field, 'currentPassword');
    assert.equal((await call(t.app, 'POST', `${API}/email`, { json: { currentPassword: PW, email: 'alice-new@example.com' } })).status, 401, 'needs a token');
    const bad = await change(alice, { currentPassword: PW, email: 'not an address' });
    assert.equal(bad.status, 400);
  });

  it('mails a link to the new address and a notice to the old; the old email logs in until the link is used', async () => {
    const free = await change(alice, { currentPassword: PW, email: 'Alice-New@example.com' });
    assert.equal(free.status, 200, free.text);
    const link = await mailTo('Alice-New@example.com', /Confirm your new email/);
    await mailTo('alice-old@example.com', /change of your email address was requested/);
    assert.equal(await loginStatus('alice-old@example.com'), 200, 'nothing changed yet');
    assert.equal(await loginStatus('alice-new@example.com'), 401);

    // A taken address: the same bytes, no link, a notice to its owner.
    const taken = await change(alice, { currentPassword: PW, email: 'bob@example.com' });
    assert.equal(taken.text, free.text);
    await mailTo('bob@example.com', /tried to use your address/);
    // A username is in the same namespace as emails: a taken username gets the same answer.
    assert.equal((await change(alice, { currentPassword: PW, email: 'Dave@example.net' })).text, free.text);

    const used = await call(t.app, 'POST', `${API}/email/confirm`, { json: { token: tokenOf(link) } });
    assert.equal(used.status, 200, used.text);
    assert.equal(await loginStatus('alice-new@example.com'), 200);
    assert.equal(await loginStatus('alice-old@example.com'), 401, 'the old email stops only now');
    const me = await call(t.app, 'GET', `${API}/me`, { headers: bearer(alice.access) });
    assert.equal(me.body.result.email, 'Alice-New@example.com');
    assert.equal(me.body.result.emailVerified, true);
    await mailTo('alice-old@example.com', /Your email address was changed/);
    const again = await call(t.app, 'POST', `${API}/email/confirm`, { json: { token: tokenOf(link) } });
    assert.equal(again.status, 401);
    assert.equal(again.body.error.code, 'invalid_token');
  });

  it('refuses the second of two links for one address once the first has claimed it', async () => {
    const bob = await login(t.app, 'bob-ec', PW);
    const carol = await login(t.app, 'carol-ec', PW);
    assert.equal((await change(bob, { currentPassword: PW, email: 'contested@example.com' })).status, 200);
    const bobLink = await mailTo('contested@example.com', /Confirm your new email/);
    t.clock.advance(61_000); // the new address's mail budget: one link a minute
    assert.equal((await change(carol, { currentPassword: PW, email: 'contested@example.com' })).status, 200);
    await t.flushOutbox();
    const carolLink = await mailbox.waitFor((m) => m.to.includes('contested@example.com') && m !== bobLink && /Confirm your new email/.test(m.subject));
    assert.equal((await call(t.app, 'POST', `${API}/email/confirm`, { json: { token: tokenOf(carolLink) } })).status, 200);
    const late = await call(t.app, 'POST', `${API}/email/confirm`, { json: { token: tokenOf(bobLink) } });
    assert.equal(late.status, 401);
    assert.equal(await loginStatus('bob@example.com'), 200, 'bob keeps his address');
    assert.equal(await loginStatus('contested@example.com'), 200);
    const me = await call(t.app, 'GET', `${API}/me`, { headers: bearer(carol.access) });
    assert.equal(me.body.result.email, 'contested@example.com');
  });
});
