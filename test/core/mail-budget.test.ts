/**
 * SEC-54 mail bombing: reset requests, confirmation resends and sign-up notices send at most one
 * email a minute and five an hour to one address; the answers do not change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { mailTo } from './outbox-reader.js';

describe('mail budget per address', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await t.service.registerAccount({ username: 'target@example.com', password: 'target has a long password', email: 'target@example.com' });
  });
  after(() => t.close());

  const reset = () => call(t.app, 'POST', '/api/account/pw/reset', { json: { username: 'target@example.com' } });

  it('SEC-54 ten reset requests in a minute send one email, with ten identical answers', async () => {
    const answers: Array<Awaited<ReturnType<typeof reset>>> = [];
    for (let i = 0; i < 10; i++) answers.push(await reset());
    assert.ok(answers.every((a) => a.status === 200 && a.text === answers[0]!.text));
    assert.equal((await mailTo(t, 'target@example.com', 'reset_password')).length, 1);
    t.clock.advance(61_000);
    await reset();
    assert.equal((await mailTo(t, 'target@example.com', 'reset_password')).length, 2, 'one more the next minute');
  });

  it('SEC-54 at most five an hour, then the hour starts again', async () => {
    for (let i = 0; i < 10; i++) {
      t.clock.advance(61_000);
      await reset();
    }
    assert.equal((await mailTo(t, 'target@example.com', 'reset_password')).length, 5);
    t.clock.advance(60 * 60_000);
    await reset();
    assert.equal((await mailTo(t, 'target@example.com', 'reset_password')).length, 6);
  });

  it('SEC-54 sign-up notices and confirmation resends are budgeted too', async () => {
    t.clock.advance(2 * 60 * 60_000);
    for (let i = 0; i < 5; i++) {
      const res = await call(t.app, 'POST', '/accounts/action/?do=create', { json: { email: 'target@example.com' } });
      assert.equal(res.status, 200);
    }
    assert.equal((await mailTo(t, 'target@example.com', 'signup_attempt')).length, 1);
    await t.service.signUpWithEmail({ email: 'pending@example.com' });
    for (let i = 0; i < 5; i++) await t.service.resendConfirmation('pending@example.com');
    assert.equal((await mailTo(t, 'pending@example.com', 'confirm_account')).length, 2, 'the first link and one resend');
  });
});
