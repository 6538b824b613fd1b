/**
 * One storage conformance suite for every backend: it runs against SQLite always, and against
 * PostgreSQL when TEST_DATABASE_URL is set (skipped with a notice otherwise). The core relies on
 * these behaviours being identical on both.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Account } from '../../src/core/accounts/ports.js';
import { UniqueViolation } from '../../src/core/ports.js';
import { migrateToLatest, type OpenedDatabase, type Stores } from '../../src/store/index.js';
import { createMfaStore } from '../../src/store/mfa.js';
import { createPasskeyStore } from '../../src/store/passkeys.js';
import { backends, newAccount, newSession, withStorage } from '../support/storage.js';


for (const backend of backends) {
  const database = backend.make();
  describe(`storage conformance: ${backend.name}`, { skip: database ? false : 'TEST_DATABASE_URL is not set' }, () => {
    let opened: OpenedDatabase;
    let s: Stores;
    withStorage(database!, (o, stores) => {
      opened = o;
      s = stores;
    });

    it('migrations are idempotent', async () => {
      assert.deepEqual((await migrateToLatest(opened)).applied, []);
    });

    it('round-trips an account with millisecond timestamps as numbers', async () => {
      const a = newAccount('roundtrip', 'Round@Example.com');
      await s.accounts.insert(s.uow.db, a);
      const got = (await s.accounts.findById(s.uow.db, a.id)) as Account;
      assert.equal(got.createdAt, 1_795_000_000_123);
      assert.equal(typeof got.createdAt, 'number');
      assert.equal(got.email, 'Round@Example.com');
      assert.equal(got.status, 'active');
    });

    it('SEC-14 translates a taken username and a taken email into UniqueViolation naming the column', async () => {
      await s.accounts.insert(s.uow.db, newAccount('taken', 'taken@example.com'));
      await assert.rejects(s.accounts.insert(s.uow.db, newAccount('taken')), (e) => e instanceof UniqueViolation && e.column === 'username');
      await assert.rejects(
        s.accounts.insert(s.uow.db, newAccount('other', 'taken@example.com')),
        (e) => e instanceof UniqueViolation && e.column === 'email',
      );
    });

    it('allows many accounts without a username or email', async () => {
      const a = { ...newAccount('x'), username: null, usernameKey: null };
      const b = { ...newAccount('y'), username: null, usernameKey: null };
      await s.accounts.insert(s.uow.db, a);
      await s.accounts.insert(s.uow.db, b);
    });

    it('finds by username key first, then by email key', async () => {
      const byName = newAccount('finder');
      const byMail = newAccount('someone', 'finder2@example.com');
      await s.accounts.insert(s.uow.db, byName);
      await s.accounts.insert(s.uow.db, byMail);
      assert.equal((await s.accounts.findByLoginKey(s.uow.db, 'finder'))?.id, byName.id);
      assert.equal((await s.accounts.findByLoginKey(s.uow.db, 'finder2@example.com'))?.id, byMail.id);
      assert.equal(await s.accounts.findByLoginKey(s.uow.db, 'nobody'), null);
    });

    it('replaces a password hash only if it is still the expected one', async () => {
      const a = newAccount('rehash');
      await s.accounts.insert(s.uow.db, a);
      await s.accounts.replacePasswordHash(s.uow.db, a.id, 'stale', 'new1', 5);
      assert.equal((await s.accounts.findById(s.uow.db, a.id))?.passwordHash, '$fast$x$y');
      await s.accounts.replacePasswordHash(s.uow.db, a.id, '$fast$x$y', 'new2', 5);
      assert.equal((await s.accounts.findById(s.uow.db, a.id))?.passwordHash, 'new2');
    });

    it('stores sessions, joins them with their account, rotates and revokes whole families', async () => {
      const a = newAccount('sessions');
      await s.accounts.insert(s.uow.db, a);
      const first = newSession(a.id);
      const second = newSession(a.id, first.familyId);
      const other = newSession(a.id);
      await s.uow.transaction(async (tx) => {
        await s.sessions.insert(tx, first);
        assert.equal((await s.sessions.findBySecretHashForUpdate(tx, first.secretHash))?.id, first.id);
        await s.sessions.markRotated(tx, first.id, 2000, second.id);
        await s.sessions.insert(tx, second);
      });
      await s.sessions.insert(s.uow.db, other);
      const joined = await s.sessions.findWithAccount(s.uow.db, second.id);
      assert.equal(joined?.account.username, 'sessions');
      assert.equal(joined?.session.familyId, first.id);
      assert.equal((await s.sessions.findById(s.uow.db, first.id))?.replacedBy, second.id);
      await s.sessions.revokeFamily(s.uow.db, first.familyId, 3000);
      assert.equal((await s.sessions.findById(s.uow.db, second.id))?.revokedAt, 3000);
      assert.equal((await s.sessions.findById(s.uow.db, first.id))?.revokedAt, 3000);
      assert.equal((await s.sessions.findBySecretHashWithAccount(s.uow.db, other.secretHash))?.session.revokedAt, null);
    });

    it('inserts a session within the cap only while the account has no more live entries than kept', async () => {
      const a = newAccount('capped');
      await s.accounts.insert(s.uow.db, a);
      const first = newSession(a.id);
      const second = newSession(a.id);
      const third = newSession(a.id);
      assert.equal(await s.uow.transaction((tx) => s.sessions.insertWithinCap(tx, first, 1)), true, 'none live: inserted');
      assert.equal(await s.uow.transaction((tx) => s.sessions.insertWithinCap(tx, second, 1)), true, 'one live, one kept: inserted');
      assert.equal(await s.uow.transaction((tx) => s.sessions.insertWithinCap(tx, third, 1)), false, 'two live, one kept: refused');
      assert.equal(await s.sessions.findById(s.uow.db, third.id), null, 'nothing inserted');
      const stored = await s.sessions.findById(s.uow.db, second.id);
      assert.deepEqual(stored && { ...stored, rotationWindowAt: undefined, rotationCount: undefined, amr: undefined }, { ...second, rotationWindowAt: undefined, rotationCount: undefined, amr: undefined }, 'the row as given');
      await s.sessions.revokeFamily(s.uow.db, first.familyId, 2000);
      assert.equal(await s.uow.transaction((tx) => s.sessions.insertWithinCap(tx, third, 1)), true, 'a revoked session does not count');
    });

    it('tells whether an account has a second factor on: a confirmed TOTP factor or a passkey; alone, and with the account at a login', async () => {
      const mfa = createMfaStore();
      const passkeys = createPasskeyStore();
      const totpAccount = newAccount('factor-totp');
      const keyAccount = newAccount('factor-passkey');
      await s.accounts.insert(s.uow.db, totpAccount);
      await s.accounts.insert(s.uow.db, keyAccount);
      // Both answers, which must agree: the store's own, and the login lookup's (by username).
      const on = async (a: { id: string; usernameKey: string | null }): Promise<[boolean, boolean | undefined]> => {
        const found = await s.accounts.findForLogin(s.uow.db, a.usernameKey as string);
        assert.equal(found?.account.id, a.id);
        assert.deepEqual(found?.account, await s.accounts.findById(s.uow.db, a.id), 'the same account as findById');
        return [await mfa.hasFactorOn(s.uow.db, a.id), found?.secondFactorOn];
      };
      assert.deepEqual(await on(totpAccount), [false, false], 'no factor');
      const factor = { id: randomUUID(), accountId: totpAccount.id, secret: 'sealed', createdAt: 1000, confirmedAt: null, lastStep: null };
      assert.equal(await mfa.putPendingTotp(s.uow.db, factor), true);
      assert.deepEqual(await on(totpAccount), [false, false], 'a pending TOTP factor is not on');
      assert.equal(await mfa.acceptStep(s.uow.db, factor.id, 5, 2000), true);
      assert.deepEqual(await on(totpAccount), [true, true], 'a confirmed TOTP factor is on');
      await passkeys.insert(s.uow.db, { id: randomUUID(), accountId: keyAccount.id, credentialId: randomUUID(), publicKey: 'key', counter: 0, transports: [], deviceType: 'singleDevice', backedUp: false, name: 'Laptop', createdAt: 1000, lastUsedAt: null });
      assert.deepEqual(await on(keyAccount), [true, true], 'a passkey is on');
      assert.equal(await s.accounts.findForLogin(s.uow.db, 'nobody-at-all'), null, 'no account');
    });

    it('tells a login subject\'s block and whether anything is counted for it', async () => {
      const key = `login-acct:${randomUUID()}`;
      assert.deepEqual(await s.throttle.subjectState(s.uow.db, key), { blockedUntil: 0, counted: false }, 'nothing counted');
      await s.throttle.recordFailure(s.uow.db, key, 1000, 60_000);
      assert.deepEqual(await s.throttle.subjectState(s.uow.db, key), { blockedUntil: 0, counted: true }, 'a failure counted, no block');
      await s.throttle.block(s.uow.db, key, 9000);
      assert.deepEqual(await s.throttle.subjectState(s.uow.db, key), { blockedUntil: 9000, counted: true }, 'blocked');
      await s.throttle.reset(s.uow.db, key);
      assert.deepEqual(await s.throttle.subjectState(s.uow.db, key), { blockedUntil: 0, counted: false }, 'reset');
    });

    it('advances a refresh chain in place, once per generation', async () => {
      const a = newAccount('chain');
      await s.accounts.insert(s.uow.db, a);
      const session = newSession(a.id);
      await s.sessions.insert(s.uow.db, session);
      const next = { chainHash: 'hash-1', at: 5000, idleExpiresAt: 9000, ip: '10.0.0.1', userAgent: 'next' };
      const moved = await s.uow.transaction(async (tx) => {
        const locked = await s.sessions.findWithAccountForUpdate(tx, session.id);
        assert.deepEqual([locked?.session.generation, locked?.account.username], [0, 'chain']);
        return s.sessions.advanceChain(tx, session.id, 0, next);
      });
      assert.equal(moved, true);
      assert.equal(await s.sessions.advanceChain(s.uow.db, session.id, 0, { ...next, chainHash: 'hash-stale' }), false, 'a stale generation moves nothing');
      const stored = await s.sessions.findById(s.uow.db, session.id);
      assert.deepEqual(
        stored && { generation: stored.generation, chainHash: stored.chainHash, chainAt: stored.chainAt, lastSeenAt: stored.lastSeenAt, idle: stored.idleExpiresAt, ip: stored.ip, ua: stored.userAgent, secretHash: stored.secretHash },
        { generation: 1, chainHash: 'hash-1', chainAt: 5000, lastSeenAt: 5000, idle: 9000, ip: '10.0.0.1', ua: 'next', secretHash: session.secretHash },
      );
      assert.equal((await s.sessions.findWithAccount(s.uow.db, session.id))?.session.generation, 1, 'the joined read sees the generation');
    });

    it('SEC-67c rolls back a failed transaction completely', async () => {
      const a = newAccount('rollback');
      await assert.rejects(
        s.uow.transaction(async (tx) => {
          await s.accounts.insert(tx, a);
          throw new Error('boom');
        }),
      );
      assert.equal(await s.accounts.findById(s.uow.db, a.id), null);
    });

    it('SEC-11/49 consumes a one-time token exactly once, even when raced, and never after expiry', async () => {
      const a = newAccount('tokens', 'tokens@example.com');
      await s.accounts.insert(s.uow.db, a);
      const base = { accountId: a.id, purpose: 'reset' as const, email: 'tokens@example.com', createdAt: 0, usedAt: null };
      await s.tokens.insert(s.uow.db, { ...base, id: randomUUID(), tokenHash: 'h1', expiresAt: 10_000 });
      await s.tokens.insert(s.uow.db, { ...base, id: randomUUID(), tokenHash: 'h2', expiresAt: 10_000 });
      const raced = await Promise.all(Array.from({ length: 10 }, () => s.tokens.consume(s.uow.db, 'h1', 'reset', 5000)));
      assert.equal(raced.filter(Boolean).length, 1);
      assert.equal(await s.tokens.consume(s.uow.db, 'h2', 'confirm', 5000), null, 'purpose must match');
      assert.equal(await s.tokens.consume(s.uow.db, 'h2', 'reset', 10_000), null, 'expired at its expiry time');
      assert.equal((await s.tokens.findUsable(s.uow.db, 'h2', 'reset', 9_999))?.tokenHash, 'h2');
      await s.tokens.voidForAccount(s.uow.db, a.id, 'reset', 9_000);
      assert.equal(await s.tokens.findUsable(s.uow.db, 'h2', 'reset', 9_500), null);
    });

    it('redeems a promo code no more than its limit, even when raced, and never after expiry', async () => {
      await s.promos.insert(s.uow.db, { code: 'TWO', maxUses: 2, uses: 0, expiresAt: 10_000, note: null, createdAt: 1 });
      await assert.rejects(
        s.promos.insert(s.uow.db, { code: 'TWO', maxUses: 1, uses: 0, expiresAt: null, note: null, createdAt: 2 }),
        (e) => e instanceof UniqueViolation,
      );
      const raced = await Promise.all(Array.from({ length: 8 }, () => s.promos.redeem(s.uow.db, 'TWO', 5000)));
      assert.equal(raced.filter(Boolean).length, 2);
      await s.promos.insert(s.uow.db, { code: 'OLD', maxUses: null, uses: 0, expiresAt: 100, note: 'n', createdAt: 3 });
      assert.equal(await s.promos.redeem(s.uow.db, 'OLD', 100), false);
      assert.equal(await s.promos.redeem(s.uow.db, 'NOPE', 1), false);
      assert.deepEqual((await s.promos.list(s.uow.db)).map((p) => [p.code, p.uses]), [['OLD', 0], ['TWO', 2]]);
    });

    it('creates a server secret once, whoever asks first', async () => {
      const values = await Promise.all(
        Array.from({ length: 5 }, (_, i) => s.keys.getOrCreateSecret(s.uow.db, 'conformance', () => `v${i}`, 1)),
      );
      assert.equal(new Set(values).size, 1);
    });

    it('lists signing keys newest first', async () => {
      const key = (kid: string, createdAt: number) => ({ kid, alg: 'EdDSA', privateJwk: '{}', publicJwk: '{}', createdAt, retiredAt: null });
      await s.keys.insertSigningKey(s.uow.db, key('old', 1));
      await s.keys.insertSigningKey(s.uow.db, key('new', 2));
      assert.deepEqual((await s.keys.listSigningKeys(s.uow.db)).map((k) => k.kid), ['new', 'old']);
    });
  });
}
