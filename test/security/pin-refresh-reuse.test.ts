/**
 * Pins refresh-token reuse detection (docs/security.md#sec-42; src/core/tokens/token-sessions.ts)
 * at the core: a refresh token that was already rotated, presented after the grace window, is
 * TOKEN_REUSED and ends the whole family, including the current refresh token and its access
 * token. scripts/mutation-check.mjs skips the reuse check and expects this file to fail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const ctx = { ip: '127.0.0.1', userAgent: 'pin' };
const code = (c: string) => (err: unknown) => isAuthError(err, c as never);

describe('SEC-42 refresh-token reuse detection (core)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { REFRESH_REUSE_GRACE: '10' } }); // no hashing under test
    await t.service.registerAccount({ username: 'benvolio', password: 'Peace-Keeper-4040' });
  });
  after(() => t.close());

  it('SEC-42 a rotated refresh token presented again after the grace window is TOKEN_REUSED and ends the whole family', async () => {
    const first = await t.service.loginForTokens('benvolio', 'Peace-Keeper-4040', ctx);
    const second = await t.service.rotateRefreshToken(first.refresh, ctx);
    t.clock.advance(11_000); // past REFRESH_REUSE_GRACE
    assert.notEqual(await t.service.resolveAccessToken(second.access), null); // control: the current pair works
    await assert.rejects(t.service.rotateRefreshToken(first.refresh, ctx), code('TOKEN_REUSED'), 'the stolen old token');
    await assert.rejects(t.service.rotateRefreshToken(second.refresh, ctx), code('INVALID_TOKEN'), 'the current refresh token died with its family');
    assert.equal(await t.service.resolveAccessToken(second.access), null, 'and its access token');
  });

  it('SEC-42 a token two rotations old is reuse too, even inside the grace window', async () => {
    const first = await t.service.loginForTokens('benvolio', 'Peace-Keeper-4040', ctx);
    const second = await t.service.rotateRefreshToken(first.refresh, ctx);
    t.clock.advance(11_000);
    const third = await t.service.rotateRefreshToken(second.refresh, ctx);
    await assert.rejects(t.service.rotateRefreshToken(first.refresh, ctx), code('TOKEN_REUSED'));
    await assert.rejects(t.service.rotateRefreshToken(third.refresh, ctx), code('INVALID_TOKEN'));
  });
});
