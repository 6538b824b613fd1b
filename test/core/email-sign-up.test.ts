/** Email sign-up and the confirmation link that sets the first password (docs/security.md, SEC-9, SEC-10, SEC-11 and SEC-14). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { countRows, lastToken, mailTo, queuedMail } from './outbox-reader.js';

const rejectsWith = (code: string) => (err: unknown) => isAuthError(err) && err.code === code;

describe('email sign-up and confirmation', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  it('a new address gets a pending account without a password and a confirmation link', async () => {
    await t.service.signUpWithEmail({ email: 'New.User@Example.com' });
    const rows = await t.latchkey.database.db.selectFrom('accounts').selectAll().where('email_key', '=', 'new.user@example.com').execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.status, 'pending');
    assert.equal(rows[0]?.password_hash, null);
    assert.equal(rows[0]?.username, null);
    const token = await lastToken(t, 'New.User@Example.com', 'confirm_account');
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const stored = await t.latchkey.database.db.selectFrom('one_time_tokens').select('token_hash').execute();
    assert.ok(stored.every((r) => r.token_hash !== token), 'the link token is stored hashed only');
  });

  it('SEC-10 a pending account cannot log in before confirming', async () => {
    await assert.rejects(t.service.authenticatePassword('new.user@example.com', 'anything-at-all'), rejectsWith('INVALID_CREDENTIALS'));
  });

  it('SEC-9 an existing address resolves the same, creates nothing, and its owner is notified', async () => {
    const before = await countRows(t, 'accounts');
    const result = await t.service.signUpWithEmail({ email: 'NEW.USER@example.com' });
    assert.equal(result, undefined);
    assert.equal(await countRows(t, 'accounts'), before);
    assert.equal((await mailTo(t, 'New.User@Example.com', 'signup_attempt')).length, 1);
    assert.equal((await mailTo(t, 'New.User@Example.com', 'confirm_account')).length, 1, 'no second link');
  });

  it('checkConfirmToken names the address without using the link; confirmAccount activates it once', async () => {
    const token = await lastToken(t, 'New.User@Example.com', 'confirm_account');
    assert.deepEqual(await t.service.checkConfirmToken(token), { email: 'New.User@Example.com' });
    assert.deepEqual(await t.service.checkConfirmToken(token), { email: 'New.User@Example.com' });
    const account = await t.service.confirmAccount(token, 'a fine new password');
    assert.equal(account.status, 'active');
    assert.ok(account.emailVerifiedAt !== null);
    const logged = await t.service.authenticatePassword('new.user@example.com', 'a fine new password');
    assert.equal(logged.id, account.id);
    await assert.rejects(t.service.confirmAccount(token, 'another password'), rejectsWith('INVALID_TOKEN'));
    await assert.rejects(t.service.checkConfirmToken(token), rejectsWith('INVALID_TOKEN'));
  });

  it('SEC-1 the password policy applies on the link, and a refused password does not burn it', async () => {
    await t.service.signUpWithEmail({ email: 'weak@example.com' });
    const token = await lastToken(t, 'weak@example.com', 'confirm_account');
    await assert.rejects(t.service.confirmAccount(token, 'short'), rejectsWith('WEAK_PASSWORD'));
    await assert.rejects(t.service.confirmAccount(token, 'x'.repeat(1024)), rejectsWith('INVALID_INPUT'));
    const account = await t.service.confirmAccount(token, '🔑🦊🌵🎻🚲🍉🧭🐙');
    assert.equal(account.status, 'active');
  });

  it('SEC-11 a tampered, unknown or malformed token is INVALID_TOKEN', async () => {
    await t.service.signUpWithEmail({ email: 'tamper@example.com' });
    const token = await lastToken(t, 'tamper@example.com', 'confirm_account');
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const bad of [flipped, token.slice(1), `${token}x`, '', 'not a token', '🔑'.repeat(43)]) {
      await assert.rejects(t.service.confirmAccount(bad, 'a fine new password'), rejectsWith('INVALID_TOKEN'), bad);
    }
    await t.service.confirmAccount(token, 'a fine new password');
  });

  it('SEC-11 a confirmation link dies after 24 hours', async () => {
    await t.service.signUpWithEmail({ email: 'late@example.com' });
    const token = await lastToken(t, 'late@example.com', 'confirm_account');
    t.clock.advance(24 * 3600 * 1000 - 1000);
    assert.deepEqual(await t.service.checkConfirmToken(token), { email: 'late@example.com' });
    t.clock.advance(2000);
    await assert.rejects(t.service.checkConfirmToken(token), rejectsWith('INVALID_TOKEN'));
    await assert.rejects(t.service.confirmAccount(token, 'a fine new password'), rejectsWith('INVALID_TOKEN'));
  });

  it('SEC-11 resendConfirmation issues a new link and voids the older one; quiet for unknown or active addresses', async () => {
    await t.service.signUpWithEmail({ email: 'resend@example.com' });
    const first = await lastToken(t, 'resend@example.com', 'confirm_account');
    t.clock.advance(1000);
    await t.service.resendConfirmation('RESEND@example.com');
    const second = await lastToken(t, 'resend@example.com', 'confirm_account');
    assert.notEqual(first, second);
    await assert.rejects(t.service.checkConfirmToken(first), rejectsWith('INVALID_TOKEN'));
    const mailsBefore = (await queuedMail(t)).length;
    await t.service.resendConfirmation('nobody@example.com');
    await t.service.resendConfirmation('new.user@example.com'); // active already
    assert.equal((await queuedMail(t)).length, mailsBefore);
    await t.service.confirmAccount(second, 'a fine new password');
  });

  it('SEC-11 of 20 concurrent confirmations with one link exactly one succeeds', async () => {
    await t.service.signUpWithEmail({ email: 'race-confirm@example.com' });
    const token = await lastToken(t, 'race-confirm@example.com', 'confirm_account');
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => t.service.confirmAccount(token, `password number ${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(rejectsWith('INVALID_TOKEN')(r.reason), String(r.reason));
  });

  it('SEC-14 20 concurrent sign-ups of one address (any case) make exactly one account', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => t.service.signUpWithEmail({ email: i % 2 ? 'Racer@Example.com' : 'racer@example.com' })),
    );
    assert.ok(results.every((r) => r.status === 'fulfilled'), JSON.stringify(results.filter((r) => r.status === 'rejected')));
    const rows = await t.latchkey.database.db.selectFrom('accounts').select('id').where('email_key', '=', 'racer@example.com').execute();
    assert.equal(rows.length, 1);
    const mails = (await queuedMail(t)).filter((m) => m.to.toLowerCase() === 'racer@example.com');
    assert.equal(mails.filter((m) => m.template === 'confirm_account').length, 1);
    // The 19 others are 'existing address' answers; the owner is told once (mail budget: 1 a minute).
    assert.equal(mails.filter((m) => m.template === 'signup_attempt').length, 1);
  });

  it('SEC-55 a malformed address is INVALID_INPUT naming email', async () => {
    for (const bad of ['no-at-sign', 'a@b', 'x@example.com\r\nBcc: evil@example.com', '']) {
      await assert.rejects(t.service.signUpWithEmail({ email: bad }), (err: unknown) => isAuthError(err, 'INVALID_INPUT') && err.field === 'email');
    }
  });
});
