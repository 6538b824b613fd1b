/**
 * PostgreSQL: rotations of current refresh tokens asked for together share one statement
 * (src/store/rotation-batch.ts; docs/decisions.md, "Refresh rotations on PostgreSQL share a
 * statement"), and each call still gets exactly the answer the single statement gave it: its
 * rotated row, or nothing (the locked rotation decides) when its row does not qualify.
 * "One statement" is observed in the rows: rows changed by one statement carry one
 * transaction id (`xmin`).
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { CurrentRotation, Session } from '../../src/core/sessions/ports.js';
import { createStores, migrateToLatest, openDatabase, type OpenedDatabase, type Stores } from '../../src/store/index.js';
import { createFakeClock } from '../support/clock.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../support/database.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('base64url');
const MINUTE = 60_000;

describe('PostgreSQL refresh rotations in one statement', { skip: usingPostgres ? false : 'PostgreSQL only (TEST_DATABASE_URL is not set)' }, () => {
  let database: TestDatabase;
  let opened: OpenedDatabase;
  let stores: Stores;
  const active = randomUUID();
  const disabled = randomUUID();
  const now = Date.now();

  before(async () => {
    database = createTestDatabase();
    opened = await openDatabase(database.url);
    await migrateToLatest(opened);
    stores = createStores(opened, createFakeClock());
    for (const [id, status] of [[active, 'active'], [disabled, 'disabled']] as const) {
      await stores.accounts.insert(stores.uow.db, { id, username: id, usernameKey: id, email: null, emailKey: null, passwordHash: 'x', status, createdAt: now });
    }
  });
  after(async () => {
    await opened?.close();
    await database?.drop();
  });

  /** A token session at generation 0 whose current secret is `secret`. */
  async function chain(secret: string, change: Partial<Session> = {}): Promise<string> {
    const id = randomUUID();
    const session: Session = {
      id, secretHash: sha(secret), accountId: active, kind: 'token', familyId: id, createdAt: now, lastSeenAt: now,
      idleExpiresAt: now + 3_600_000, absoluteExpiresAt: now + 86_400_000, rotatedAt: null, replacedBy: null, revokedAt: null,
      ip: null, userAgent: null, generation: 0, chainHash: null, chainAt: null, ...change,
    };
    await stores.sessions.insert(stores.uow.db, session);
    return id;
  }

  const rotation = (secret: string, change: Partial<CurrentRotation> = {}): CurrentRotation => ({
    generation: 0, presentedHash: sha(secret), chainHash: sha(`${secret}+1`), at: now + 1000, idleExpiresAt: now + 7_200_000,
    ip: '192.0.2.1', userAgent: 'test', rotationsPerMinute: 3, rotationWindowMs: MINUTE, ...change,
  });

  const row = async (id: string) =>
    (await sql<{ generation: number; chain_hash: string | null; xmin: string; ip: string | null }>`select generation, chain_hash, xmin::text as xmin, ip from sessions where id = ${id}`.execute(opened.db)).rows[0]!;

  it('rotations asked for together are one statement, and each caller gets its own row', async () => {
    const secrets = Array.from({ length: 6 }, (_, i) => `together-${i}-${randomUUID()}`);
    const ids = await Promise.all(secrets.map((s) => chain(s)));
    const rotated = await Promise.all(ids.map((id, i) => stores.sessions.rotateCurrent(stores.uow.db, id, rotation(secrets[i]!))));
    rotated.forEach((s, i) => {
      assert.equal(s?.id, ids[i], 'each caller gets its own session back');
      assert.equal(s?.generation, 1);
      assert.equal(s?.chainHash, sha(`${secrets[i]}+1`));
    });
    const rows = await Promise.all(ids.map(row));
    assert.equal(new Set(rows.map((r) => r.xmin)).size, 1, `one transaction changed all six rows: ${rows.map((r) => r.xmin).join(', ')}`);
  });

  it('in one statement, a row that does not qualify is left unchanged and its caller gets nothing, beside one that rotates', async () => {
    const s = (name: string): string => `${name}-${randomUUID()}`;
    const secrets = { ok: s('ok'), revoked: s('revoked'), stale: s('stale'), moved: s('moved'), disabled: s('disabled'), throttled: s('throttled'), idle: s('idle'), absolute: s('absolute'), rotated: s('rotated'), cookie: s('cookie') };
    const ids = {
      ok: await chain(secrets.ok),
      revoked: await chain(secrets.revoked, { revokedAt: now }),
      stale: await chain(secrets.stale),
      moved: await chain(secrets.moved, { generation: 1, chainHash: sha(secrets.moved) }),
      disabled: await chain(secrets.disabled, { accountId: disabled }),
      throttled: await chain(secrets.throttled, { rotationWindowAt: now, rotationCount: 3 }),
      idle: await chain(secrets.idle, { idleExpiresAt: now + 500 }),
      absolute: await chain(secrets.absolute, { absoluteExpiresAt: now + 500 }),
      rotated: await chain(secrets.rotated, { rotatedAt: now }), // a row an earlier release rotated
      cookie: await chain(secrets.cookie, { kind: 'cookie' }),
    };
    const calls = {
      ok: rotation(secrets.ok),
      revoked: rotation(secrets.revoked),
      stale: rotation(secrets.stale, { presentedHash: sha('another secret') }),
      moved: rotation(secrets.moved), // generation 0 presented, the row is at 1
      disabled: rotation(secrets.disabled),
      throttled: rotation(secrets.throttled),
      idle: rotation(secrets.idle),
      absolute: rotation(secrets.absolute),
      rotated: rotation(secrets.rotated),
      cookie: rotation(secrets.cookie),
    };
    const before = Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([k, id]) => [k, await row(id)] as const)));
    const names = Object.keys(ids) as Array<keyof typeof ids>;
    const results = await Promise.all(names.map((k) => stores.sessions.rotateCurrent(stores.uow.db, ids[k], calls[k])));
    const byName = Object.fromEntries(names.map((k, i) => [k, results[i]]));
    assert.equal(byName.ok?.generation, 1);
    for (const k of names.filter((n) => n !== 'ok')) {
      assert.equal(byName[k], null, `${k}: not rotated`);
      assert.deepEqual(await row(ids[k]), before[k], `${k}: row unchanged`);
    }
  });

  it('the same token twice at once: one caller rotates, the other gets nothing, and the chain moves once', async () => {
    const secret = `twice-${randomUUID()}`;
    const id = await chain(secret);
    const results = await Promise.all([stores.sessions.rotateCurrent(stores.uow.db, id, rotation(secret)), stores.sessions.rotateCurrent(stores.uow.db, id, rotation(secret))]);
    assert.deepEqual(results.map((r) => r?.generation ?? null).sort(), [1, null]);
    assert.equal((await row(id)).generation, 1);
  });

  it('a call the database refuses fails alone: the others of its statement are rotated', async () => {
    const secrets = Array.from({ length: 3 }, (_, i) => `refused-${i}-${randomUUID()}`);
    const ids = await Promise.all(secrets.map((s) => chain(s)));
    // PostgreSQL's text cannot hold a NUL character: the statement carrying it fails.
    const results = await Promise.allSettled(
      ids.map((id, i) => stores.sessions.rotateCurrent(stores.uow.db, id, rotation(secrets[i]!, i === 1 ? { userAgent: 'bad\u0000agent' } : {}))),
    );
    assert.equal(results[0]!.status, 'fulfilled');
    assert.equal(results[1]!.status, 'rejected');
    assert.equal(results[2]!.status, 'fulfilled');
    assert.deepEqual(await Promise.all(ids.map(async (id) => (await row(id)).generation)), [1, 0, 1]);
  });

  it('inside a transaction a rotation runs there, not in a shared statement', async () => {
    const secret = `in-tx-${randomUUID()}`;
    const id = await chain(secret);
    await assert.rejects(
      stores.uow.transaction(async (tx) => {
        assert.equal((await stores.sessions.rotateCurrent(tx, id, rotation(secret)))?.generation, 1);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await row(id)).generation, 0, 'rolled back with its transaction');
  });
});
