/** Changing the password of a signed-in account, and deleting an account. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { countRows, mailTo } from './outbox-reader.js';

const rejectsWith = (code: string) => (err: unknown) => isAuthError(err) && err.code === code;
const ctx = { ip: '127.0.0.1', userAgent: 'test' };

describe('changePassword', () => {
  let t: TestInstance;
  let accountId: string;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    accountId = (await t.service.registerAccount({ username: 'mercutio', password: 'queen-mab-1', email: 'mercutio@example.com' })).id;
  });
  after(() => t.close());

  it('SEC-57 keeps the calling session and revokes every other session and refresh chain', async () => {
    const kept = await t.service.loginForTokens('mercutio', 'queen-mab-1', ctx);
    const other = await t.service.loginForTokens('mercutio', 'queen-mab-1', ctx);
    const rotated = await t.service.rotateRefreshToken(other.refresh, ctx);
    const cookie = await t.service.loginForCookie('mercutio', 'queen-mab-1', ctx);
    const { session } = (await t.service.resolveAccessToken(kept.access)) ?? assert.fail('the access token resolves');
    await t.service.changePassword(accountId, 'queen-mab-2', { currentPassword: 'queen-mab-1', keepSessionId: session.id });
    assert.notEqual(await t.service.resolveAccessToken(kept.access), null);
    await t.service.rotateRefreshToken(kept.refresh, ctx);
    assert.equal(await t.service.resolveAccessToken(other.access), null);
    assert.equal(await t.service.resolveAccessToken(rotated.access), null);
    await assert.rejects(t.service.rotateRefreshToken(rotated.refresh, ctx), rejectsWith('INVALID_TOKEN'));
    assert.equal(await t.service.resolveCookieSession(cookie.sessionSecret), null, 'the cookie session is gone');
    await t.service.authenticatePassword('mercutio', 'queen-mab-2');
    await assert.rejects(t.service.authenticatePassword('mercutio', 'queen-mab-1'), rejectsWith('INVALID_CREDENTIALS'));
    assert.equal((await mailTo(t, 'mercutio@example.com', 'password_changed')).length, 1);
  });

  it('without keepSessionId every session is revoked', async () => {
    const pair = await t.service.loginForTokens('mercutio', 'queen-mab-2', ctx);
    await t.service.changePassword(accountId, 'queen-mab-3');
    assert.equal(await t.service.resolveAccessToken(pair.access), null);
  });

  it('SEC-56 a wrong current password is INVALID_CREDENTIALS and changes nothing', async () => {
    await assert.rejects(t.service.changePassword(accountId, 'queen-mab-4', { currentPassword: 'wrong one' }), rejectsWith('INVALID_CREDENTIALS'));
    await t.service.authenticatePassword('mercutio', 'queen-mab-3');
  });

  it('SEC-1 the password policy applies', async () => {
    await assert.rejects(t.service.changePassword(accountId, 'short'), rejectsWith('WEAK_PASSWORD'));
    await assert.rejects(t.service.changePassword(accountId, 'x'.repeat(1024)), rejectsWith('INVALID_INPUT'));
  });
});

describe('deleteAccount', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  it('SEC-58 removes the account with its sessions and links, notifies, and frees the name', async () => {
    const account = await t.service.registerAccount({ username: 'tybalt', password: 'prince-of-cats', email: 'tybalt@example.com' });
    const pair = await t.service.loginForTokens('tybalt', 'prince-of-cats', ctx);
    await t.service.requestPasswordReset('tybalt');
    const sessionsBefore = await countRows(t, 'sessions');
    await t.service.deleteAccount(account.id);
    assert.equal(await countRows(t, 'sessions'), sessionsBefore - 1);
    assert.equal(await countRows(t, 'one_time_tokens'), 0);
    assert.equal(await t.service.resolveAccessToken(pair.access), null);
    await assert.rejects(t.service.rotateRefreshToken(pair.refresh, ctx), rejectsWith('INVALID_TOKEN'));
    await assert.rejects(t.service.authenticatePassword('tybalt', 'prince-of-cats'), rejectsWith('INVALID_CREDENTIALS'));
    assert.equal((await mailTo(t, 'tybalt@example.com', 'account_deleted')).length, 1);
    const again = await t.service.registerAccount({ username: 'tybalt', password: 'prince-of-cats', email: 'tybalt@example.com' });
    assert.notEqual(again.id, account.id);
  });

  it('SEC-58/67c a second delete is NOT_FOUND; of concurrent deletes exactly one succeeds', async () => {
    const account = await t.service.registerAccount({ username: 'benvolio', password: 'keep-the-peace' });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => t.service.deleteAccount(account.id)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    await assert.rejects(t.service.deleteAccount(account.id), rejectsWith('NOT_FOUND'));
  });
});
