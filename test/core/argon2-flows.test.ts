/** The email flows once with the production argon2id hasher: sign-up, confirm, reset, change. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
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

  it('SEC-2/5 a long Unicode password set by a reset link (hashed in the pool) works whole and in any NFKC form, never cut', async () => {
    // 299 code points, 449 UTF-8 bytes: a cut at 72 characters or 72 bytes would let the prefix in.
    const syllables = ['Ŝa', 'lö', 'Ωm', 'ñe', 'ké', 'ßu', 'Ħi', 'dž'];
    const base = Array.from({ length: 149 }, (_, i) => syllables[(i * 3 + Math.floor(i / 8)) % syllables.length]).join('');
    const stored = `${base}é`; // precomposed é at the end
    t.clock.advance(2 * 24 * 3600 * 1000); // a new link, past the per-address mail budget of the first test
    await t.service.requestPasswordReset('rosaline@example.com');
    await t.service.completePasswordReset(await lastToken(t, 'Rosaline@Example.com', 'reset_password'), stored);
    await t.service.authenticatePassword('rosaline@example.com', stored);
    await t.service.authenticatePassword('rosaline@example.com', `${base}e\u0301`); // the same text, decomposed
    for (const wrong of [base, `${base}è`, stored.slice(0, 72), `${stored}x`]) {
      await assert.rejects(t.service.authenticatePassword('rosaline@example.com', wrong), (e) => isAuthError(e, 'INVALID_CREDENTIALS'), `${wrong.length} code points`);
    }
  });
});
