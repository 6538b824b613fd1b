/**
 * One storage conformance suite for every backend: it runs against SQLite always, and against
 * PostgreSQL when TEST_DATABASE_URL is set (skipped with a notice otherwise). The core relies on
 * these behaviours being identical on both.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Account, NewAccount } from '../../src/core/accounts/ports.js';
import type { AuditEvent, AuditRowToStore } from '../../src/core/audit/ports.js';
import type { Session } from '../../src/core/sessions/ports.js';
import { UniqueViolation } from '../../src/core/ports.js';
import { createAuditLog } from '../../src/store/audit.js';
import { createStores, migrateToLatest, openDatabase, type OpenedDatabase, type Stores } from '../../src/store/index.js';
import { createMfaStore } from '../../src/store/mfa.js';
import { createPasskeyStore } from '../../src/store/passkeys.js';
import { createFakeClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const backends: Array<{ name: string; make: () => TestDatabase | null }> = [
  {
    name: 'SQLite',
    make: () => ({ url: 'sqlite::memory:', dialect: 'sqlite', drop: async () => {} }),
  },
  {
    name: 'PostgreSQL',
    make: () => (process.env.TEST_DATABASE_URL ? createTestDatabase() : null),
  },
];

function newAccount(name: string, email: string | null = null): NewAccount {
  return {
    id: randomUUID(),
    username: name,
    usernameKey: name.toLowerCase(),
    email,
    emailKey: email?.toLowerCase() ?? null,
    passwordHash: '$fast$x$y',
    status: 'active',
    createdAt: 1_795_000_000_123,
  };
}

function newSession(accountId: string, familyId?: string): Session {
  const id = randomUUID();
  return {
    id,
    secretHash: randomUUID(),
    accountId,
    kind: 'token',
    familyId: familyId ?? id,
    createdAt: 1000,
    lastSeenAt: 1000,
    idleExpiresAt: 10_000,
    absoluteExpiresAt: 20_000,
    rotatedAt: null,
    replacedBy: null,
    revokedAt: null,
    ip: '127.0.0.1',
    userAgent: 'test',
    generation: 0,
    chainHash: null,
    chainAt: null,
  };
}

for (const backend of backends) {
  const database = backend.make();
  describe(`storage conformance: ${backend.name}`, { skip: database ? false : 'TEST_DATABASE_URL is not set' }, () => {
    let opened: OpenedDatabase;
    let s: Stores;
    before(async () => {
      opened = await openDatabase(database!.url);
      await migrateToLatest(opened);
      s = createStores(opened, createFakeClock());
    });
    after(async () => {
      await opened.close();
      await database!.drop();
    });

    /**
     * The audit log's one-statement writes (AuditLog.writeWith) and its log lines: `write(event,
     * store)` hands the row it builds to `store` and answers whether it was stored, with the row.
     */
    function inlineAudit() {
      const lines: object[] = [];
      const audit = createAuditLog(opened.db, { clock: createFakeClock(), serverKey: 'k', log: { info: (obj) => lines.push(obj), warn: () => {} } });
      const writeWith = audit.writeWith ?? assert.fail('the audit log builds rows for a store\'s statement');
      const write = async (event: AuditEvent, store: (row: AuditRowToStore) => Promise<boolean>) => {
        const logged = lines.length;
        let built: AuditRowToStore | undefined;
        const stored = await writeWith(event, async (row) => {
          built = row;
          assert.equal(lines.length, logged, 'nothing logged before it is stored');
          return store(row);
        });
        return { stored, row: built ?? assert.fail('a row was built') };
      };
      return { lines, write };
    }

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

    it('SEC-14 signs up in one statement on PostgreSQL: the account, its claims and its audit row as the transaction writes them, or nothing when an identifier is taken', async () => {
      if (opened.dialect !== 'postgres') {
        assert.equal(s.accounts.insertAudited, undefined, 'SQLite sign-ups keep their transaction');
        return;
      }
      const insertAudited = s.accounts.insertAudited ?? assert.fail('PostgreSQL has the one-statement sign-up');
      const { lines, write } = inlineAudit();
      const registered = (id: string): AuditEvent => ({ type: 'register', outcome: 'success', accountId: id, ctx: { ip: '192.0.2.8', userAgent: null, surface: 'jwt' }, detail: { status: 'active' } });
      const rowOfAccount = async (id: string) => {
        const { id: _id, username: _u, username_key: _uk, email: _e, email_key: _ek, ...rest } = await opened.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        return rest;
      };
      const claimsOf = async (id: string) => (await opened.db.selectFrom('login_identifiers').select(['identifier', 'kind']).where('account_id', '=', id).orderBy('identifier').execute());
      const auditRowsOf = async (id: string) => opened.db.selectFrom('audit_events').selectAll().where('account_id', '=', id).execute();

      const one = { ...newAccount('one-statement', 'one-statement@example.com'), locale: 'de', promoCode: null, emailVerifiedAt: null };
      const insert = (account: NewAccount) =>
        write(registered(account.id), async (row) => {
          await insertAudited(s.uow.db, account, row);
          return true;
        });
      const { row } = await insert(one);
      const plain = { ...one, id: randomUUID(), username: 'plain-insert', usernameKey: 'plain-insert', email: 'plain-insert@example.com', emailKey: 'plain-insert@example.com' };
      await s.accounts.insert(s.uow.db, plain);
      assert.deepEqual(await rowOfAccount(one.id), await rowOfAccount(plain.id), 'the row as the insert stores it');
      assert.deepEqual(await claimsOf(one.id), [{ identifier: 'one-statement', kind: 'username' }, { identifier: 'one-statement@example.com', kind: 'email' }]);
      const stored = await auditRowsOf(one.id);
      assert.deepEqual(stored.map((r) => ({ ...r, at: Number(r.at) })), [row], 'the audit row as built');
      assert.equal(lines.length, 1, 'logged once stored');
      assert.equal((await s.accounts.findByLoginKey(s.uow.db, 'one-statement@example.com'))?.id, one.id, 'found by its email');

      const same = { ...newAccount('same@example.com', 'same@example.com') };
      await insert(same);
      assert.deepEqual(await claimsOf(same.id), [{ identifier: 'same@example.com', kind: 'both' }], 'one claim when username and email are one key');

      // Taken: the answer names the column, and neither the account nor its audit row stays.
      const cases: Array<[string, NewAccount, 'username' | 'email']> = [
        ['a taken username', newAccount('one-statement'), 'username'],
        ['a username that is another account\'s email', newAccount('one-statement@example.com'), 'username'],
        ['a taken email', newAccount('fresh-name', 'one-statement@example.com'), 'email'],
        ['an email that is another account\'s username', newAccount('fresh-name-2', 'same@example.com'), 'email'],
      ];
      for (const [what, account, column] of cases) {
        const logged: number = lines.length;
        await assert.rejects(insert(account), (e) => e instanceof UniqueViolation && e.column === column, what);
        assert.equal(lines.length, logged, `${what}: not logged`);
        assert.equal(await s.accounts.findById(s.uow.db, account.id), null, `${what}: no account`);
        assert.deepEqual(await auditRowsOf(account.id), [], `${what}: no audit row`);
        assert.deepEqual(await claimsOf(account.id), [], `${what}: no claim`);
      }
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

    it('opens a login\'s session with its audit row in one statement on PostgreSQL, within the cap only, storing what the transaction would', async () => {
      if (opened.dialect !== 'postgres') {
        assert.equal(s.sessions.openWithinCap, undefined, 'SQLite logins keep their transaction');
        return;
      }
      const open = s.sessions.openWithinCap ?? assert.fail('PostgreSQL has the one-statement login');
      const { lines, write } = inlineAudit();
      const a = newAccount('opened');
      await s.accounts.insert(s.uow.db, a);
      const login = (session: Session): AuditEvent => ({ type: 'login', outcome: 'success', accountId: a.id, ctx: { ip: '192.0.2.7', userAgent: 'Agent\n"quoted" ü', surface: 'jwt' }, detail: { sessionId: session.id, amr: 'pwd otp' } });
      const first = { ...newSession(a.id), amr: ['pwd', 'otp'], rotationWindowAt: null, rotationCount: 0 };
      const { stored: inserted, row } = await write(login(first), (r) => open(s.uow.db, first, 0, r));
      assert.equal(inserted, true, 'none live, none kept: inserted');
      assert.equal(lines.length, 1, 'logged once stored');

      // Every column as the plain insert stores it: the same session under another id.
      const twin = { ...first, id: randomUUID(), secretHash: randomUUID(), familyId: randomUUID() };
      await s.sessions.insert(s.uow.db, twin);
      const rowOfSession = async (id: string) => {
        const { id: _id, secret_hash: _h, family_id: _f, ...rest } = await opened.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        return rest;
      };
      assert.deepEqual(await rowOfSession(first.id), await rowOfSession(twin.id), 'the row as the insert stores it');
      assert.deepEqual(await s.sessions.findById(s.uow.db, first.id), first);
      const stored = await opened.db.selectFrom('audit_events').selectAll().where('account_id', '=', a.id).execute();
      assert.equal(stored.length, 1);
      assert.deepEqual({ ...stored[0], at: Number(stored[0]?.at) }, row, 'the audit row as built');
      assert.deepEqual(JSON.parse(String(stored[0]?.detail)), { sessionId: first.id, amr: 'pwd otp' });

      // Two live now (the twin counts), one kept: nothing written, neither the session nor its audit row.
      const over = newSession(a.id);
      assert.equal((await write(login(over), (r) => open(s.uow.db, over, 1, r))).stored, false);
      assert.equal(lines.length, 1, 'not logged over the cap');
      assert.equal(await s.sessions.findById(s.uow.db, over.id), null, 'no session over the cap');
      assert.equal((await opened.db.selectFrom('audit_events').select('id').where('account_id', '=', a.id).execute()).length, 1, 'no audit row over the cap');

      // Two logins of one account at once: the second waits for the first's lock on the account,
      // then counts the first's session; it would count without it if it did not wait.
      const b = newAccount('opened-at-once');
      await s.accounts.insert(s.uow.db, b);
      const loginOf = (session: Session): AuditEvent => ({ type: 'login', outcome: 'success', accountId: b.id, ctx: { ip: '192.0.2.9', userAgent: null, surface: 'jwt' }, detail: { sessionId: session.id } });
      const one = newSession(b.id);
      const two = newSession(b.id);
      let second: Promise<boolean> | undefined;
      let secondDone = false;
      await opened.db.transaction().execute(async (trx) => {
        assert.equal((await write(loginOf(one), (r) => open(trx as never, one, 0, r))).stored, true, 'the first login, none live: inserted');
        second = write(loginOf(two), (r) => open(s.uow.db, two, 0, r)).then((x) => {
          secondDone = true;
          return x.stored;
        });
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(secondDone, false, 'the second login waits for the first one\'s lock');
      });
      assert.equal(await second, false, 'after the first committed, the second counts its session: over the cap');
      assert.equal(await s.sessions.findById(s.uow.db, two.id), null);
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
