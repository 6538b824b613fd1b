/** The email flows once with the production argon2id hasher: sign-up, confirm, reset, change. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { lastToken } from './outbox-reader.js';

describe('email flows with argon2id', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance();
  });
  after(() => t.close());

  it('sign-up, confirm, log in, reset by link, change: each password works exactly when it should', async () => {
    await t.service.signUpWithEmail({ email: 'Rosaline@Example.com' });
    const account = await t.service.confirmAccount(await lastToken(t, 'Rosaline@Example.com', 'confirm_account'), 'first password');
    assert.match(account.passwordHash ?? '', /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    assert.equal((await t.service.authenticatePassword('rosaline@example.com', 'first password')).id, account.id);

    await t.service.requestPasswordReset('rosaline@example.com');
    await t.service.completePasswordReset(await lastToken(t, 'Rosaline@Example.com', 'reset_password'), 'second password');
    await assert.rejects(t.service.authenticatePassword('rosaline@example.com', 'first password'));

    await t.service.changePassword(account.id, 'third password', { currentPassword: 'second password' });
    await assert.rejects(t.service.authenticatePassword('rosaline@example.com', 'second password'));
    await t.service.authenticatePassword('rosaline@example.com', 'third password');
  });
});
