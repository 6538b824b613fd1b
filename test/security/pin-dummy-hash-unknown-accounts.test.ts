/**
 * Pins "a login for an account that has no password hash still runs one real hash" (docs/security.md#sec-16) by counting the hasher's calls, not by timing: a spy wraps the production argon2id
 * pool, and a login for an unknown user, or for a pending account still waiting on its
 * email-link password, must make exactly one verify against a real argon2id hash at the current
 * parameters, the same as a wrong password for an existing account, on every login surface.
 * The timing side is measured in test/http/sec-enumeration-timing.test.ts; this file fails on
 * the code change itself, on a loaded machine too. scripts/mutation-check.mjs removes the dummy
 * hash and expects this file to fail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import type { PasswordHasher } from '../../src/core/credentials/ports.js';
import { createArgon2Pool, type Argon2Pool } from '../../src/crypto/argon2-pool.js';
import { CookieJar } from '../support/cookie-jar.js';
import { action } from '../cookie/helpers.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const FLOOR = { memoryKib: 19456, timeCost: 2, parallelism: 1 };
const PHC = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;
const PASSWORD = 'Marble-Orchard-Lamp-62';

interface Spy extends PasswordHasher {
  close(): Promise<void>;
  /** The stored hashes verify was called with, and what it answered, since the last take(). */
  take(): Array<{ stored: string; result: boolean }>;
  hashes: string[];
}

/** The real pool, with every call recorded. */
function spyOn(pool: Argon2Pool): Spy {
  let verifies: Array<{ stored: string; result: boolean }> = [];
  const spy: Spy = {
    hashes: [],
    async hash(password) {
      const made = await pool.hash(password);
      spy.hashes.push(made);
      return made;
    },
    async verify(stored, password) {
      const result = await pool.verify(stored, password);
      verifies.push({ stored, result });
      return result;
    },
    needsRehash: (stored) => pool.needsRehash(stored),
    take() {
      const taken = verifies;
      verifies = [];
      return taken;
    },
    close: () => pool.close(),
  };
  return spy;
}

const basicAuth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}` });

/** One failed login per surface; each returns the status the client saw. */
const SURFACES: Record<string, (t: TestInstance, identifier: string) => Promise<number>> = {
  core: async (t, identifier) => {
    await assert.rejects(t.service.authenticatePassword(identifier, 'not-the-password-1'), (e) => isAuthError(e, 'INVALID_CREDENTIALS'));
    return 401;
  },
  'JWT API': async (t, identifier) => (await call(t.app, 'POST', '/api/v1/account/login', { json: { username: identifier, password: 'not-the-password-1' } })).status,
  'HTTP Basic': async (t, identifier) => (await call(t.app, 'GET', '/api/', { headers: basicAuth(identifier, 'not-the-password-1') })).status,
  'cookie API': async (t, identifier) => (await action(t.app, new CookieJar(), 'login', { username: identifier, password: 'not-the-password-1' })).status,
};

describe('SEC-16 the dummy hash for accounts without a password hash (argon2id pool, counted)', () => {
  let t: TestInstance;
  let spy: Spy;
  before(async () => {
    spy = spyOn(createArgon2Pool(FLOOR, 2));
    t = await createTestInstance({ hasher: spy, env: { LOGIN_IP_FAILURES_PER_MINUTE: '100000', LOGIN_FREE_FAILURES: '50' } });
    await t.service.ready();
    const created = await call(t.app, 'POST', '/api/account', { json: { username: 'present@example.com', password: PASSWORD, email: 'present@example.com' } });
    assert.equal(created.status, 201, created.text);
    // A pending account: signed up by email, no password until the link is used.
    await t.service.signUpWithEmail({ email: 'waiting@example.com' });
    spy.take();
  });
  after(() => t.close()); // closes the spy, and with it the pool

  for (const [surface, attempt] of Object.entries(SURFACES)) {
    it(`SEC-16 ${surface}: an unknown user and a pending account each cost one real argon2id verify, like a wrong password`, async () => {
      for (const [who, identifier] of [
        ['existing account, wrong password', 'present@example.com'],
        ['unknown user', `nobody-${surface.replace(/\W/g, '')}@example.com`],
        ['pending account without a password', 'waiting@example.com'],
      ] as const) {
        spy.take();
        const status = await attempt(t, identifier);
        assert.equal(status, 401, `${who}: ${status}`);
        const calls = spy.take();
        assert.equal(calls.length, 1, `${who}: exactly one verify, got ${calls.length}`);
        assert.match(calls[0]!.stored, PHC, `${who}: verified against a real argon2id hash at the current parameters`);
        assert.equal(calls[0]!.result, false, who);
        assert.equal(spy.needsRehash(calls[0]!.stored), false, `${who}: the hash is at the current parameters`);
      }
    });
  }

  it('SEC-16 the dummy hash is one the hasher made itself, not a constant or an empty string', async () => {
    spy.take();
    await SURFACES.core!(t, 'nobody-at-all@example.com');
    const [call0, ...more] = spy.take();
    assert.ok(call0);
    assert.equal(more.length, 0);
    assert.ok(spy.hashes.includes(call0.stored), 'the unknown-user verify used a hash this hasher produced');
    const stored = await t.latchkey.database.db.selectFrom('accounts').select('password_hash').where('email', '=', 'present@example.com').executeTakeFirstOrThrow();
    assert.notEqual(call0.stored, stored.password_hash, 'not a real account’s hash');
  });
});
