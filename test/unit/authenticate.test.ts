/**
 * Password verification rules shared by every login path: the same hash work for unknown
 * users, password-less and disabled accounts (SEC-16/17), transparent rehash (SEC-7), NFKC
 * normalization without case folding (SEC-5), bounded hashing (SEC-67a).
 */
import assert from 'node:assert/strict';
import { hash } from '@node-rs/argon2';
import { after, before, describe, it } from 'node:test';
import { isAuthError } from '../../src/core/errors.js';
import type { PasswordHasher } from '../../src/core/credentials/ports.js';
import { createArgon2Pool } from '../../src/crypto/argon2-pool.js';
import { boundHasher } from '../../src/crypto/bounded-hasher.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

function countingHasher(inner: PasswordHasher & { close(): Promise<void> }): PasswordHasher & { verifies: number; close(): Promise<void> } {
  const h = {
    verifies: 0,
    close: () => inner.close(),
    hash: (p: string) => inner.hash(p),
    verify: (stored: string, p: string) => {
      h.verifies++;
      return inner.verify(stored, p);
    },
    needsRehash: (stored: string) => inner.needsRehash(stored),
  };
  return h;
}

describe('password verification (argon2id pool)', () => {
  let t: TestInstance;
  let hasher: ReturnType<typeof countingHasher>;
  before(async () => {
    // The production pool, counted; the instance closes it with itself.
    hasher = countingHasher(createArgon2Pool({ memoryKib: 19456, timeCost: 2, parallelism: 1 }, 2));
    t = await createTestInstance({ hasher });
    await t.service.registerAccount({ username: 'alice', password: 'Caf\u00e9 au lait!' });
  });
  after(() => t.close());

  const fails = async (identifier: string, password: string): Promise<void> => {
    await assert.rejects(t.service.authenticatePassword(identifier, password), (e) => isAuthError(e, 'INVALID_CREDENTIALS'));
  };

  it('SEC-16/17 verifies exactly one hash for a wrong password, an unknown user, and a disabled account alike', async () => {
    await t.service.ready();
    await t.latchkey.database.db
      .insertInto('accounts')
      .values({
        id: '00000000-0000-4000-8000-000000000001',
        username: 'nopass',
        username_key: 'nopass',
        email: null,
        email_key: null,
        email_verified_at: null,
        password_hash: null,
        status: 'pending',
        promo_code: null,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    for (const [who, pw] of [
      ['alice', 'wrong password'],
      ['nobody-here', 'wrong password'],
      ['nopass', 'wrong password'],
    ] as const) {
      const before = hasher.verifies;
      await fails(who, pw);
      assert.equal(hasher.verifies - before, 1, who);
    }
  });

  it('SEC-5 matches the NFKC form of the password but never folds case', async () => {
    await t.service.authenticatePassword('alice', 'Cafe\u0301 au lait!');
    await fails('alice', 'CAF\u00c9 AU LAIT!');
    await fails('alice', ' Caf\u00e9 au lait!');
  });

  it('SEC-7 upgrades a hash made with weaker parameters at the next login', async () => {
    const weak = await hash('old-password', { algorithm: 2 as never, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    await t.latchkey.database.db
      .insertInto('accounts')
      .values({
        id: '00000000-0000-4000-8000-000000000002',
        username: 'legacy',
        username_key: 'legacy',
        email: null,
        email_key: null,
        email_verified_at: null,
        password_hash: weak,
        status: 'active',
        promo_code: null,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    await t.service.authenticatePassword('legacy', 'old-password');
    const row = await t.latchkey.database.db.selectFrom('accounts').select('password_hash').where('username', '=', 'legacy').executeTakeFirstOrThrow();
    assert.match(String(row.password_hash), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await t.service.authenticatePassword('legacy', 'old-password');
  });

  it('SEC-2 refuses a password over 1023 bytes at login without hashing it', async () => {
    const before = hasher.verifies;
    await fails('alice', 'x'.repeat(2000));
    assert.equal(hasher.verifies, before);
  });
});

describe('bounded hashing (SEC-67a)', () => {
  it('SEC-67a runs at most N hashes at once, queues up to the limit and refuses the rest with BUSY at once', async () => {
    let running = 0;
    let peak = 0;
    const slow: PasswordHasher = {
      hash: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return 'h';
      },
      verify: async () => true,
      needsRehash: () => false,
    };
    const bounded = boundHasher(slow, 2, 3);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => bounded.hash('p')));
    assert.equal(peak, 2);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(refused.length, 3);
    for (const r of refused) assert.ok(isAuthError((r as PromiseRejectedResult).reason, 'BUSY'));
    assert.deepEqual(bounded.load(), { running: 0, queued: 0 });
  });
});
