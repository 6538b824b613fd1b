/**
 * Group commit on SQLite (src/store/group-commit.ts): transactions that arrive together share
 * one COMMIT, yet each behaves as its own: its caller hears of success only once it is stored,
 * a unit that fails takes only its own changes back, and a COMMIT that fails fails them all.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import type { Tx } from '../../src/core/ports.js';
import { q } from '../../src/store/handle.js';
import { createStores, migrateToLatest, openDatabase, type OpenedDatabase } from '../../src/store/index.js';
import { MAX_BATCH } from '../../src/store/group-commit.js';
import type { UnitOfWork } from '../../src/core/ports.js';

describe('SQLite group commit', { skip: process.env.TEST_DATABASE_URL ? 'SQLite only (PostgreSQL runs one transaction per call)' : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-group-commit-'));
  const path = join(dir, 'group.db');
  let opened: OpenedDatabase;
  let uow: UnitOfWork;
  let outside: SQLite.Database;
  let next = 0;

  before(async () => {
    opened = await openDatabase(`sqlite:${path}`);
    await migrateToLatest(opened);
    uow = createStores(opened, { now: () => Date.now() }).uow;
    outside = new SQLite(path, { readonly: true });
  });
  after(async () => {
    outside.close();
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insertSecret = (tx: Tx, name: string) =>
    q(tx).insertInto('server_secrets').values({ name, value: 'x', created_at: 0 } as never).execute();
  const storedOutside = (name: string): boolean => outside.prepare('select 1 from server_secrets where name = ?').get(name) !== undefined;
  const stored = async (name: string): Promise<boolean> =>
    (await q(uow.db).selectFrom('server_secrets').select('name').where('name', '=', name).execute()).length === 1;

  it('commits many concurrent transactions, each answering with its own value only once it is stored', async () => {
    const names = Array.from({ length: 3 * MAX_BATCH }, () => `unit-${next++}`);
    const seenWhenResolved: boolean[] = [];
    const values = await Promise.all(
      names.map((name, i) =>
        uow
          .transaction(async (tx) => {
            await insertSecret(tx, name);
            return i;
          })
          .then((value) => {
            seenWhenResolved.push(storedOutside(name)); // another connection: committed data only
            return value;
          }),
      ),
    );
    assert.deepEqual(values, names.map((_, i) => i));
    assert.ok(seenWhenResolved.every(Boolean), 'every caller was answered after its row was committed');
  });

  it('rolls back only the unit that failed; its caller gets its own error, the others commit', async () => {
    const [a, b, c] = [`ok-${next++}`, `bad-${next++}`, `ok-${next++}`];
    const results = await Promise.allSettled([
      uow.transaction(async (tx) => insertSecret(tx, a)),
      uow.transaction(async (tx) => {
        await insertSecret(tx, b);
        throw new Error('unit b failed after writing');
      }),
      uow.transaction(async (tx) => insertSecret(tx, c)),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /unit b failed after writing/);
    assert.deepEqual([await stored(a), await stored(b), await stored(c)], [true, false, true]);
  });

  it('runs the transactions asked for in one event-loop turn as one batch, and a lone one as before', async () => {
    const names = [`turn-${next++}`, `turn-${next++}`, `turn-${next++}`];
    const spy = new SQLite(path, { readonly: true });
    try {
      const before = spy.pragma('data_version', { simple: true }) as number;
      await Promise.all(names.map((name) => uow.transaction(async (tx) => insertSecret(tx, name))));
      const after = spy.pragma('data_version', { simple: true }) as number;
      assert.equal(after - before, 1, 'three transactions, one commit seen by another connection');
      const lone = `lone-${next++}`;
      await uow.transaction(async (tx) => insertSecret(tx, lone));
      assert.equal((spy.pragma('data_version', { simple: true }) as number) - after, 1);
      assert.equal(await stored(lone), true);
    } finally {
      spy.close();
    }
  });

  it('a unit sees what the units before it in the same batch wrote, as on one connection', async () => {
    const name = `seq-${next++}`;
    const [, seen] = await Promise.all([
      uow.transaction(async (tx) => insertSecret(tx, name)),
      uow.transaction(async (tx) => (await q(tx).selectFrom('server_secrets').select('name').where('name', '=', name).execute()).length),
    ]);
    assert.equal(seen, 1);
  });

  it('fails every unit of a batch whose COMMIT fails, and stores none of them', async () => {
    // Asked for in the same event-loop turn: one batch.
    const [a, b] = [`lost-${next++}`, `lost-${next++}`];
    const results = await Promise.allSettled([
      uow.transaction(async (tx) => insertSecret(tx, a)),
      uow.transaction(async (tx) => {
        // A foreign key checked only at COMMIT: the shared COMMIT fails.
        await sql`pragma defer_foreign_keys = on`.execute(q(tx));
        await sql`insert into sessions (id, secret_hash, account_id, kind, family_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at)
                  values (${`s-${b}`}, ${`h-${b}`}, 'no-such-account', 'token', ${`s-${b}`}, 0, 0, 0, 0)`.execute(q(tx));
        await insertSecret(tx, b);
      }),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.deepEqual([await stored(a), await stored(b)], [false, false]);
    // And the next transaction works as usual.
    const after = `after-${next++}`;
    await uow.transaction(async (tx) => insertSecret(tx, after));
    assert.equal(await stored(after), true);
  });
});
