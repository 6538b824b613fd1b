/**
 * Pins the session check behind every access token (docs/security.md#sec-40;
 * src/core/tokens/token-sessions.ts resolveAccessToken): a JWT that is still unexpired and
 * correctly signed is refused once its session is logged out, revoked by a password change, or
 * past its idle lifetime, because the session row is checked on every request, not only the
 * signature. scripts/mutation-check.mjs skips that check and expects this file to fail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';
import { waitFor } from '../support/wait.js';

const ctx = { ip: '127.0.0.1', userAgent: 'pin' };
describe('SEC-40 an access token needs its session to be live', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' }); // no hashing under test
    await register(t.app, 'rosaline', 'Nunnery-Bound-5150');
  });
  after(() => t.close());

  const me = async (access: string) => (await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status;

  it('SEC-40 after logout the still-unexpired access token is refused by the core and by whoami', async () => {
    const pair = await login(t.app, 'rosaline', 'Nunnery-Bound-5150');
    assert.equal(await me(pair.access), 200, 'control');
    await t.service.logoutAccessToken(pair.access, ctx);
    assert.equal(await t.service.resolveAccessToken(pair.access), null);
    assert.equal(await me(pair.access), 401);
  });

  it('SEC-40 after a password change the other sessions’ access tokens are refused at once', async () => {
    const kept = await login(t.app, 'rosaline', 'Nunnery-Bound-5150');
    const other = await login(t.app, 'rosaline', 'Nunnery-Bound-5150');
    const { account, session } = (await t.service.resolveAccessToken(kept.access)) ?? assert.fail('the access token resolves');
    await t.service.changePassword(account.id, 'Nunnery-Bound-5151', { currentPassword: 'Nunnery-Bound-5150', keepSessionId: session.id });
    assert.equal(await me(kept.access), 200, 'control: the calling session stays');
    assert.equal(await me(other.access), 401);
  });

  it('SEC-40 an access token whose session went idle past its lifetime is refused before the token itself expires', async () => {
    const pair = await login(t.app, 'rosaline', 'Nunnery-Bound-5151');
    // Make the session idle-expired without touching the token's own exp.
    const { session } = (await t.service.resolveAccessToken(pair.access)) ?? assert.fail('the access token resolves');
    await t.latchkey.database.db.updateTable('sessions').set({ idle_expires_at: t.clock.now() - 1 }).where('id', '=', session.id).execute();
    // A statement outside the stores reaches a PostgreSQL node's session cache through the
    // database's notification, moments later (docs/decisions.md, "Session cache on PostgreSQL nodes").
    await waitFor('the idle-expired session to be refused', async () => (await me(pair.access)) === 401, { timeoutMs: 10_000 });
  });
});
