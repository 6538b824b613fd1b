/** Password reset by email in 'link' and 'new_password' modes (docs/security.md, SEC-9, SEC-16 and SEC-18 and the reset-link rules). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { countRows, lastToken, mailTo, queuedMail } from './outbox-reader.js';

const rejectsWith = (code: string) => (err: unknown) => isAuthError(err) && err.code === code;
const ctx = { ip: '127.0.0.1', userAgent: 'test' };

describe("password reset, 'link' mode", () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await t.service.registerAccount({ username: 'romeo', password: 'juliet-forever', email: 'romeo@example.com' });
  });
  after(() => t.close());

  it('SEC-52 a request by username or email queues a link and changes nothing else', async () => {
    const pair = await t.service.loginForTokens('romeo', 'juliet-forever', ctx);
    await t.service.requestPasswordReset('ROMEO');
    const token = await lastToken(t, 'romeo@example.com', 'reset_password');
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    await t.service.authenticatePassword('romeo', 'juliet-forever');
    assert.notEqual(await t.service.resolveAccessToken(pair.access), null);
    t.clock.advance(13 * 60_000); // past the address's mail budget (1 a minute, 5 an hour)
    await t.service.requestPasswordReset('Romeo@Example.com');
    assert.equal((await mailTo(t, 'romeo@example.com', 'reset_password')).length, 2);
  });

  it('SEC-48 a newer link voids the older one', async () => {
    const mails = await mailTo(t, 'romeo@example.com', 'reset_password');
    const [older, newer] = mails.map((m) => m.data.token as string);
    await assert.rejects(t.service.checkResetToken(older as string), rejectsWith('INVALID_TOKEN'));
    assert.deepEqual(await t.service.checkResetToken(newer as string), { email: 'romeo@example.com' });
  });

  it('SEC-53 completing a reset sets the password, revokes every session and refresh token, and notifies', async () => {
    const pair = await t.service.loginForTokens('romeo', 'juliet-forever', ctx);
    const token = await lastToken(t, 'romeo@example.com', 'reset_password');
    const account = await t.service.completePasswordReset(token, 'a brand new secret');
    assert.equal(account.username, 'romeo');
    await assert.rejects(t.service.authenticatePassword('romeo', 'juliet-forever'), rejectsWith('INVALID_CREDENTIALS'));
    await t.service.authenticatePassword('romeo', 'a brand new secret');
    assert.equal(await t.service.resolveAccessToken(pair.access), null);
    await assert.rejects(t.service.rotateRefreshToken(pair.refresh, ctx), rejectsWith('INVALID_TOKEN'));
    assert.equal((await mailTo(t, 'romeo@example.com', 'password_changed')).length, 1);
    await assert.rejects(t.service.completePasswordReset(token, 'yet another secret'), rejectsWith('INVALID_TOKEN'));
  });

  it('SEC-1 the password policy applies, and a refused password does not burn the link', async () => {
    t.clock.advance(13 * 60_000); // past the address's mail budget (1 a minute, 5 an hour)
    await t.service.requestPasswordReset('romeo');
    const token = await lastToken(t, 'romeo@example.com', 'reset_password');
    await assert.rejects(t.service.completePasswordReset(token, 'short'), rejectsWith('WEAK_PASSWORD'));
    await t.service.completePasswordReset(token, 'long enough again');
  });

  it('SEC-48 a reset link dies after 30 minutes, and when the password is changed', async () => {
    t.clock.advance(13 * 60_000); // past the address's mail budget (1 a minute, 5 an hour)
    await t.service.requestPasswordReset('romeo');
    const expiring = await lastToken(t, 'romeo@example.com', 'reset_password');
    t.clock.advance(30 * 60 * 1000 + 1);
    await assert.rejects(t.service.completePasswordReset(expiring, 'long enough again 2'), rejectsWith('INVALID_TOKEN'));

    await t.service.requestPasswordReset('romeo');
    const voided = await lastToken(t, 'romeo@example.com', 'reset_password');
    const account = await t.service.authenticatePassword('romeo', 'long enough again');
    await t.service.changePassword(account.id, 'changed meanwhile');
    await assert.rejects(t.service.checkResetToken(voided), rejectsWith('INVALID_TOKEN'));
  });

  it('SEC-49 of 20 concurrent resets with one link exactly one succeeds', async () => {
    t.clock.advance(13 * 60_000); // past the address's mail budget (1 a minute, 5 an hour)
    await t.service.requestPasswordReset('romeo');
    const token = await lastToken(t, 'romeo@example.com', 'reset_password');
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => t.service.completePasswordReset(token, `concurrent pw ${i}`)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    await t.service.authenticatePassword('romeo', `concurrent pw ${winner}`);
  });

  it('SEC-47 an unknown identifier resolves identically and queues nothing', async () => {
    const mailsBefore = (await queuedMail(t)).length;
    const tokensBefore = await countRows(t, 'one_time_tokens');
    assert.equal(await t.service.requestPasswordReset('nobody@example.com'), undefined);
    assert.equal(await t.service.requestPasswordReset(''), undefined);
    assert.equal(await t.service.requestPasswordReset('x'.repeat(5000)), undefined);
    assert.equal((await queuedMail(t)).length, mailsBefore);
    assert.equal(await countRows(t, 'one_time_tokens'), tokensBefore);
  });

  it('an account without an email gets nothing; a pending one gets a fresh confirmation link instead', async () => {
    await t.service.registerAccount({ username: 'no-mail', password: 'some password' });
    const mailsBefore = (await queuedMail(t)).length;
    await t.service.requestPasswordReset('no-mail');
    assert.equal((await queuedMail(t)).length, mailsBefore);

    await t.service.signUpWithEmail({ email: 'pending@example.com' });
    t.clock.advance(1000);
    await t.service.requestPasswordReset('pending@example.com');
    assert.equal((await mailTo(t, 'pending@example.com', 'reset_password')).length, 0);
    const confirm = await mailTo(t, 'pending@example.com', 'confirm_account');
    assert.equal(confirm.length, 2);
    await t.service.confirmAccount(await lastToken(t, 'pending@example.com', 'confirm_account'), 'pending no more');
  });

  it('SEC-38 a reset link is not a confirmation link and the other way round', async () => {
    t.clock.advance(13 * 60_000); // past the address's mail budget (1 a minute, 5 an hour)
    await t.service.requestPasswordReset('romeo');
    const reset = await lastToken(t, 'romeo@example.com', 'reset_password');
    await assert.rejects(t.service.confirmAccount(reset, 'crossed purposes'), rejectsWith('INVALID_TOKEN'));
    await assert.rejects(t.service.checkConfirmToken(reset), rejectsWith('INVALID_TOKEN'));
  });
});

describe("password reset, 'new_password' mode (README: The HTTP Basic API)", () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { PASSWORD_RESET_MODE: 'new_password' } });
    await t.service.registerAccount({ username: 'juliet@example.com', password: 'romeo-forever', email: 'juliet@example.com' });
  });
  after(() => t.close());

  it('sets a generated password, emails it and revokes every session', async () => {
    const pair = await t.service.loginForTokens('juliet@example.com', 'romeo-forever', ctx);
    await t.service.requestPasswordReset('Juliet@Example.com');
    const [mail] = await mailTo(t, 'juliet@example.com', 'new_password');
    const password = mail?.data.password as string;
    assert.match(password, /^[A-Za-z0-9_-]{20}$/);
    await assert.rejects(t.service.authenticatePassword('juliet@example.com', 'romeo-forever'), rejectsWith('INVALID_CREDENTIALS'));
    await t.service.authenticatePassword('juliet@example.com', password);
    assert.equal(await t.service.resolveAccessToken(pair.access), null);
    await assert.rejects(t.service.rotateRefreshToken(pair.refresh, ctx), rejectsWith('INVALID_TOKEN'));
    assert.equal((await mailTo(t, 'juliet@example.com', 'reset_password')).length, 0);
  });

  it('SEC-47 an unknown identifier resolves identically and changes nothing', async () => {
    const mailsBefore = (await queuedMail(t)).length;
    assert.equal(await t.service.requestPasswordReset('nobody@example.com'), undefined);
    assert.equal((await queuedMail(t)).length, mailsBefore);
  });
});
