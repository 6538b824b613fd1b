/** SessionStore on Kysely. Row locks (FOR UPDATE) are taken on PostgreSQL; SQLite serializes writers. */
import { sql, type Kysely } from 'kysely';
import type { CurrentRotation, LiveSession, Session, SessionStore } from '../core/sessions/ports.js';
import type { Tx, UnitOfWork } from '../core/ports.js';
import type { AuditRowToStore } from '../core/audit/ports.js';
import type { OpenedDatabase } from './connect.js';
import { prepared, preparedRead, q } from './handle.js';
import type { Database, SessionRow } from './schema.js';
import { createRotationBatch, type RotateArgs } from './rotation-batch.js';
import { ACCOUNT_COLUMNS, INSERT_COLUMNS, rowOf, SESSION_COLUMNS, splitJoined, toSession, type JoinedRow } from './session-rows.js';

/** The session store. */
export function createSessionStore(opened: OpenedDatabase, options: { groupCommit?: UnitOfWork } = {}): SessionStore {
  const lock = opened.dialect === 'postgres';
  const { groupCommit } = options;
  // PostgreSQL: rotations outside a transaction share statements (rotation-batch.ts).
  const rotationBatch = lock ? createRotationBatch(opened.db as unknown as Tx) : null;
  // Session checks run on every authenticated request, and rotation on every refresh: their
  // queries are built and compiled once (see prepared()).
  const joined = (db: Kysely<Database>) =>
    db.selectFrom('sessions as s').innerJoin('accounts as a', 'a.id', 's.account_id').select([...SESSION_COLUMNS, ...ACCOUNT_COLUMNS]);
  const joinedBy = (column: 's.id' | 's.secret_hash') =>
    preparedRead<{ key: string }, JoinedRow>(opened.db, opened.reader, (db, slot) => joined(db).where(column, '=', slot('key')) as never);
  const joinedById = joinedBy('s.id');
  const joinedBySecretHash = joinedBy('s.secret_hash');
  const insertRow = prepared<SessionRow & Record<string, unknown>>((db, slot) =>
    db.insertInto('sessions').values(Object.fromEntries(INSERT_COLUMNS.map((c) => [c, slot(c)])) as never),
  );
  // The same row, inserted only when the account's entries in the live-sessions index are within
  // `keep` (the count endLeastRecentlyUsed makes first), so a login under the cap needs no count
  // of its own. Run after the account's lock: the statement's snapshot then sees every session
  // a concurrent login of the account committed.
  const insertWithinCap = prepared<SessionRow & Record<string, unknown> & { keep: number }>((db, slot) =>
    db
      .insertInto('sessions')
      .columns(INSERT_COLUMNS)
      .expression(
        db
          .selectNoFrom(INSERT_COLUMNS.map((c) => sql`${slot(c)}`.as(c)))
          .where(
            (eb) =>
              eb
                .selectFrom('sessions')
                .select(({ fn }) => fn.countAll().as('n'))
                .where('account_id', '=', slot('account_id'))
                .where('revoked_at', 'is', null) as never,
            '<=',
            slot('keep') as never,
          ) as never,
      ),
  );
  // PostgreSQL: the lock, the same insert and the login's audit row in one statement
  // (migration 2026-12-07T1600-open-session-function).
  const openSession = prepared<{ session: string; keep: number; audit: string }, { opened: boolean }>((db, slot) =>
    db.selectNoFrom(sql<boolean>`latchkey_open_session(${slot('session')}::jsonb, ${slot('keep')}::integer, ${slot('audit')}::jsonb)`.as('opened')) as never,
  );
  // Columns are named, not `*`: a prepared statement selecting `*` fails on PostgreSQL once a
  // migration adds a column ("cached plan must not change result type").
  const bySecretHashForUpdate = prepared<{ hash: string }, SessionRow>((db, slot) =>
    db
      .selectFrom('sessions as s')
      .select(SESSION_COLUMNS)
      .where('s.secret_hash', '=', slot('hash'))
      .$if(lock, (qb) => qb.forUpdate()) as never,
  );
  // Every login locks its account (startSession: the cap on sessions per account); a login over
  // the cap then counts and lists the live ones: compiled once.
  const lockAccount = prepared<{ id: string }>((db, slot) => db.selectFrom('accounts').select('id').where('id', '=', slot('id')).forUpdate() as never);
  const liveEntries = prepared<{ accountId: string }, { n: number | string }>((db, slot) =>
    db
      .selectFrom('sessions')
      .select(({ fn }) => fn.countAll().as('n'))
      .where('account_id', '=', slot('accountId'))
      .where('revoked_at', 'is', null) as never,
  );
  const liveBeyond = prepared<{ accountId: string; now: number; keep: number }, Parameters<typeof toLive>[0]>((db, slot) =>
    liveHeads(db, slot('accountId'), slot('now')).limit(MAX_ENDED_PER_LOGIN).offset(slot('keep')) as never,
  );
  const byId = prepared<{ id: string }, SessionRow>((db, slot) => db.selectFrom('sessions as s').select(SESSION_COLUMNS).where('s.id', '=', slot('id')) as never);
  const joinedByIdForUpdate = prepared<{ id: string }, JoinedRow>((db, slot) =>
    joined(db)
      .where('s.id', '=', slot('id'))
      .$if(lock, (qb) => qb.forUpdate('s' as never)) as never,
  );
  const advance = prepared<{ id: string; from: number; to: number; hash: string; at: number; idle: number; ip: string | null; ua: string | null; window: number | null; count: number }>(
    (db, slot) =>
      db
        .updateTable('sessions')
        .set({
          generation: slot('to'),
          chain_hash: slot('hash'),
          chain_at: slot('at'),
          last_seen_at: slot('at'),
          idle_expires_at: slot('idle'),
          ip: slot('ip'),
          user_agent: slot('ua'),
          rotation_window_at: slot('window'),
          rotation_count: slot('count'),
        })
        .where('id', '=', slot('id'))
        .where('generation', '=', slot('from')),
  );
  // The fast path of a refresh (rotateCurrent): the locked rotation's conditions for rotating a
  // current secret, and its per-minute window (src/core/tokens/token-sessions.ts), as one
  // UPDATE ... RETURNING; a row that does not qualify is left to the locked rotation.
  const rotateCurrent = prepared<RotateArgs, SessionRow>((db, slot) => {
    const at = slot('at');
    const freshWindow = sql<boolean>`(rotation_window_at is null or ${at} - rotation_window_at >= ${slot('rotationWindowMs')} or ${at} < rotation_window_at)`;
    return db
      .updateTable('sessions')
      .set({
        generation: sql`generation + 1`,
        chain_hash: slot('chainHash'),
        chain_at: at,
        last_seen_at: at,
        idle_expires_at: sql`case when ${slot('idleExpiresAt')} < absolute_expires_at then ${slot('idleExpiresAt')} else absolute_expires_at end`,
        ip: slot('ip'),
        user_agent: slot('userAgent'),
        rotation_window_at: sql`case when ${freshWindow} then ${at} else rotation_window_at end`,
        rotation_count: sql`case when ${freshWindow} then 1 else rotation_count + 1 end`,
      })
      .where('id', '=', slot('id'))
      .where('kind', '=', 'token')
      .where('generation', '=', slot('generation'))
      .where(sql<boolean>`coalesce(chain_hash, secret_hash) = ${slot('presentedHash')}`)
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.rotated_at', 'is', null)
      .where('idle_expires_at', '>', at)
      .where('absolute_expires_at', '>', at)
      .where(sql<boolean>`case when ${freshWindow} then 1 else rotation_count + 1 end <= ${slot('rotationsPerMinute')}`)
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('accounts').select('accounts.id').whereRef('accounts.id', '=', 'sessions.account_id').where('accounts.status', '=', 'active')),
      )
      .returning(SESSION_COLUMNS.map((c) => c.slice(2)) as never) as never;
  });
  const markRotated = prepared<{ id: string; now: number; successor: string }>((db, slot) =>
    db.updateTable('sessions').set({ rotated_at: slot('now'), replaced_by: slot('successor') }).where('id', '=', slot('id')),
  );
  const revokeFamily = prepared<{ family: string; now: number }>((db, slot) =>
    db.updateTable('sessions').set({ revoked_at: slot('now') }).where('family_id', '=', slot('family')).where('revoked_at', 'is', null),
  );
  const touch = prepared<{ id: string; now: number; idle: number }>((db, slot) =>
    db.updateTable('sessions').set({ last_seen_at: slot('now'), idle_expires_at: slot('idle') }).where('id', '=', slot('id')),
  );
  /**
   * A write outside any transaction: on SQLite it joins the group commit, so the writes of one
   * event-loop turn (session checks' last-seen times, refresh rotations) share one COMMIT instead
   * of one each (group-commit.ts); inside a transaction, or on PostgreSQL, it runs as given.
   */
  const committedWithOthers = <T>(tx: Tx, write: (tx: Tx) => Promise<T>): Promise<T> =>
    groupCommit && tx === groupCommit.db ? groupCommit.transaction(write) : write(tx);
  return {
    async insert(tx, s) {
      await insertRow(tx, rowOf(s));
    },

    async insertWithinCap(tx, s, keep) {
      // Logins of one account take turns on PostgreSQL (SQLite serializes every writer anyway).
      if (lock) await lockAccount(tx, { id: s.accountId });
      const result = await insertWithinCap(tx, { ...rowOf(s), keep });
      return Number(result.numAffectedRows ?? 0n) === 1;
    },

    ...(lock
      ? {
          async openWithinCap(tx: Tx, s: Session, keep: number, audit: AuditRowToStore) {
            const result = await openSession(tx, { session: JSON.stringify(rowOf(s)), keep, audit: JSON.stringify(audit) });
            return result.rows[0]?.opened === true;
          },
        }
      : {}),

    async findBySecretHashForUpdate(tx, secretHash) {
      const row = (await bySecretHashForUpdate(tx, { hash: secretHash })).rows[0];
      return row ? toSession(row) : null;
    },

    async findById(tx, id) {
      const row = (await byId(tx, { id })).rows[0];
      return row ? toSession(row) : null;
    },

    async findWithAccount(tx, id) {
      const row = await joinedById(tx, { key: id });
      return row ? splitJoined(row) : null;
    },

    async findBySecretHashWithAccount(tx, secretHash) {
      const row = await joinedBySecretHash(tx, { key: secretHash });
      return row ? splitJoined(row) : null;
    },

    async findWithAccountForUpdate(tx, id) {
      const row = (await joinedByIdForUpdate(tx, { id })).rows[0];
      return row ? splitJoined(row) : null;
    },

    async advanceChain(tx, id, from, next) {
      const result = await advance(tx, {
        id,
        from,
        to: from + 1,
        hash: next.chainHash,
        at: next.at,
        idle: next.idleExpiresAt,
        ip: next.ip,
        ua: next.userAgent,
        window: next.rotationWindowAt ?? null,
        count: next.rotationCount ?? 0,
      });
      return Number(result.numAffectedRows ?? 0n) === 1;
    },

    async rotateCurrent(tx, id, rotation: CurrentRotation) {
      const args: RotateArgs = { ...rotation, id };
      // Outside a transaction: PostgreSQL shares the statement with other rotations, SQLite the commit.
      const row =
        rotationBatch && q(tx) === opened.db
          ? await rotationBatch(args)
          : await committedWithOthers(tx, async (trx) => (await rotateCurrent(trx, args)).rows[0]);
      return row ? toSession(row) : null;
    },

    async markRotated(tx, id, now, successorId) {
      await markRotated(tx, { id, now, successor: successorId });
    },

    async revokeFamily(tx, familyId, now) {
      await revokeFamily(tx, { family: familyId, now });
    },

    async touch(tx, id, now, idleExpiresAt) {
      await committedWithOthers(tx, (trx) => touch(trx, { id, now, idle: idleExpiresAt }));
    },

    async revokeAccountSessions(tx, accountId, now, exceptSessionId) {
      await q(tx)
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .$if(exceptSessionId !== undefined, (qb) => qb.where('id', '!=', exceptSessionId as string))
        .execute();
    },

    async listLiveSessions(tx, accountId, now, options = {}) {
      const rows = await liveHeads(q(tx), accountId, now)
        .$if(options.familyId !== undefined, (qb) => qb.where('s.family_id', '=', options.familyId as string))
        .$if(options.limit !== undefined, (qb) => qb.limit(options.limit as number))
        .execute();
      return rows.map(toLive);
    },

    async revokeOtherFamilies(tx, accountId, keepFamilyId, now) {
      await q(tx)
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('account_id', '=', accountId)
        .where('family_id', '!=', keepFamilyId)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async endLeastRecentlyUsed(tx, accountId, keep, now) {
      // Logins of one account take turns on PostgreSQL (SQLite serializes every writer anyway).
      if (lock) await lockAccount(tx, { id: accountId });
      // Every live head is in the live-sessions index, so an account with no more than `keep`
      // entries there has nothing beyond the cap: counted from the index alone, without the
      // join and sort of liveHeads (most logins).
      if (Number((await liveEntries(tx, { accountId })).rows[0]?.n ?? 0) <= keep) return [];
      const rows = (await liveBeyond(tx, { accountId, now, keep })).rows.map(toLive);
      const families = [...new Set(rows.map((r) => r.familyId))];
      if (families.length > 0) {
        await q(tx).updateTable('sessions').set({ revoked_at: now }).where('family_id', 'in', families).where('revoked_at', 'is', null).execute();
      }
      return rows;
    },
  };
}

/** Sessions one login ends at most (a lowered MAX_SESSIONS_PER_ACCOUNT takes effect over several logins). */
const MAX_ENDED_PER_LOGIN = 1000;

/**
 * An account's live logins (heads of refresh families, cookie sessions), most recently used
 * first. `revoked_at is null` matches the partial index sessions_live_of_account (migration
 * 2026-12-07T0100), so the cost follows the live sessions, not every session the account had.
 * The family's first row (id = family_id) outlives its rotation until the family's absolute
 * expiry (see cleanup.ts), so it gives the login time; the head gives the rest.
 */
function liveHeads(db: Kysely<Database>, accountId: string, now: number) {
  return db
    .selectFrom('sessions as s')
    .leftJoin('sessions as f', 'f.id', 's.family_id')
    .select(['s.id', 's.family_id', 's.kind', 's.created_at', 's.last_seen_at', 's.ip', 's.user_agent', 'f.created_at as family_created_at'])
    .where('s.account_id', '=', accountId)
    .where('s.revoked_at', 'is', null)
    .where('s.rotated_at', 'is', null)
    .where('s.idle_expires_at', '>', now)
    .where('s.absolute_expires_at', '>', now)
    .orderBy('s.last_seen_at', 'desc')
    .orderBy('s.id');
}

function toLive(row: {
  id: string;
  family_id: string;
  kind: SessionRow['kind'];
  created_at: number;
  last_seen_at: number;
  ip: string | null;
  user_agent: string | null;
  family_created_at: number | null;
}): LiveSession {
  return {
    familyId: row.family_id,
    sessionId: row.id,
    kind: row.kind,
    createdAt: Math.min(row.family_created_at ?? row.created_at, row.created_at),
    lastSeenAt: row.last_seen_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/** Live sessions by kind at `now` (not revoked, not rotated, within both expiries): one COUNT, for the metrics. */
export async function countActiveSessions(db: Kysely<Database>, now: number): Promise<Record<SessionRow['kind'], number>> {
  const rows = await db
    .selectFrom('sessions')
    .select(['kind', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('revoked_at', 'is', null)
    .where('rotated_at', 'is', null)
    .where('idle_expires_at', '>', now)
    .where('absolute_expires_at', '>', now)
    .groupBy('kind')
    .execute();
  const counts = { cookie: 0, token: 0 };
  for (const row of rows) counts[row.kind] = Number(row.n);
  return counts;
}
