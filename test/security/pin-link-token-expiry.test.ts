/**
 * Pins the expiry of emailed link tokens (docs/security.md, SEC-11 and SEC-48;
 * src/core/email-flows/link-tokens.ts and the one-time-token store): a confirmation link dies
 * after CONFIRM_TOKEN_TTL and a reset link after RESET_TOKEN_TTL, on the server's clock, and an
 * expired link changes nothing; the same link one second before its expiry works (control).
 * scripts/mutation-check.mjs makes expired links usable and expects this file to fail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import { lastToken } from '../core/outbox-reader.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const invalidToken = (err: unknown) => isAuthError(err, 'INVALID_TOKEN');
const CONFIRM_TTL = 86_400;
const RESET_TTL = 1_800;

describe('SEC-11/48 link tokens expire on the server clock', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { CONFIRM_TOKEN_TTL: String(CONFIRM_TTL), RESET_TOKEN_TTL: String(RESET_TTL) } });
  });
  after(() => t.close());

  it('SEC-11 a confirmation link used one second after CONFIRM_TOKEN_TTL is refused and the account stays pending', async () => {
    await t.service.signUpWithEmail({ email: 'late@example.com' });
    const late = await lastToken(t, 'late@example.com', 'confirm_account');
    await t.service.signUpWithEmail({ email: 'prompt@example.com' });
    const prompt = await lastToken(t, 'prompt@example.com', 'confirm_account');
    t.clock.advance((CONFIRM_TTL - 1) * 1000);
    await t.service.confirmAccount(prompt, 'Prompt-Answer-2024'); // control: just inside the lifetime
    t.clock.advance(2000);
    await assert.rejects(t.service.checkConfirmToken(late), invalidToken, 'the landing page refuses it too');
    await assert.rejects(t.service.confirmAccount(late, 'Tardy-Answer-2024'), invalidToken);
    await assert.rejects(t.service.authenticatePassword('late@example.com', 'Tardy-Answer-2024'), (e) => isAuthError(e, 'INVALID_CREDENTIALS'));
  });

  it('SEC-48 a reset link used one second after RESET_TOKEN_TTL is refused and the old password still works', async () => {
    await t.service.registerAccount({ username: 'slow', password: 'Original-Secret-11', email: 'slow@example.com' });
    await t.service.registerAccount({ username: 'quick', password: 'Original-Secret-22', email: 'quick@example.com' });
    await t.service.requestPasswordReset('slow@example.com');
    await t.service.requestPasswordReset('quick@example.com');
    const slow = await lastToken(t, 'slow@example.com', 'reset_password');
    const quick = await lastToken(t, 'quick@example.com', 'reset_password');
    t.clock.advance((RESET_TTL - 1) * 1000);
    await t.service.completePasswordReset(quick, 'Replacement-Secret-22'); // control
    t.clock.advance(2000);
    await assert.rejects(t.service.checkResetToken(slow), invalidToken, 'the landing page refuses it too');
    await assert.rejects(t.service.completePasswordReset(slow, 'Replacement-Secret-11'), invalidToken);
    await t.service.authenticatePassword('slow', 'Original-Secret-11');
    await assert.rejects(t.service.authenticatePassword('slow', 'Replacement-Secret-11'), (e) => isAuthError(e, 'INVALID_CREDENTIALS'));
  });
});
