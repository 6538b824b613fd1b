/**
 * The one-statement writes of PostgreSQL (a login's session and a sign-up's account, each with
 * its audit row: docs/decisions.md, "Logins on PostgreSQL: fewer round trips"), against the
 * transaction they replace; on SQLite the stores have no such methods.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { NewAccount } from '../../src/core/accounts/ports.js';
import type { AuditEvent, AuditRowToStore } from '../../src/core/audit/ports.js';
import type { Session } from '../../src/core/sessions/ports.js';
import { UniqueViolation } from '../../src/core/ports.js';
import { createAuditLog } from '../../src/store/audit.js';
import type { OpenedDatabase, Stores } from '../../src/store/index.js';
import { createFakeClock } from '../support/clock.js';
import { backends, newAccount, newSession, withStorage } from '../support/storage.js';

for (const backend of backends) {
  const database = backend.make();
  describe(`one-statement writes: ${backend.name}`, { skip: database ? false : 'TEST_DATABASE_URL is not set' }, () => {
    let opened: OpenedDatabase;
    let s: Stores;
    withStorage(database!, (o, stores) => {
      opened = o;
      s = stores;
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

    /**
     * A store's one-statement write on PostgreSQL (asserted present), or null on SQLite, where
     * the method must be absent (`sqlite` says which transaction stays instead).
     */
    function onPostgres<T>(method: T | undefined, sqlite: string, postgres: string): T | null {
      if (opened.dialect !== 'postgres') {
        assert.equal(method, undefined, sqlite);
        return null;
      }
      return method ?? assert.fail(postgres);
    }

    it('SEC-14 signs up in one statement on PostgreSQL: the account, its claims and its audit row as the transaction writes them, or nothing when an identifier is taken', async () => {
      const insertAudited = onPostgres(s.accounts.insertAudited, 'SQLite sign-ups keep their transaction', 'PostgreSQL has the one-statement sign-up');
      if (!insertAudited) return;
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

    it('opens a login\'s session with its audit row in one statement on PostgreSQL, within the cap only, storing what the transaction would', async () => {
      const open = onPostgres(s.sessions.openWithinCap, 'SQLite logins keep their transaction', 'PostgreSQL has the one-statement login');
      if (!open) return;
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
  });
}
