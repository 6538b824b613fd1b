/** SessionStore on Kysely. Row locks (FOR UPDATE) are taken on PostgreSQL; SQLite serializes writers. */
import type { Session, SessionStore } from '../core/ports.js';
import { toAccount } from './accounts.js';
import type { DialectName } from './connect.js';
import { precompiled, q } from './handle.js';
import type { AccountRow, SessionRow } from './schema.js';

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    accountId: row.account_id,
    kind: row.kind,
    familyId: row.family_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    rotatedAt: row.rotated_at,
    replacedBy: row.replaced_by,
    revokedAt: row.revoked_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

const SESSION_COLUMNS = [
  's.id',
  's.secret_hash',
  's.account_id',
  's.kind',
  's.family_id',
  's.created_at',
  's.last_seen_at',
  's.idle_expires_at',
  's.absolute_expires_at',
  's.rotated_at',
  's.replaced_by',
  's.revoked_at',
  's.ip',
  's.user_agent',
] as const;

const ACCOUNT_COLUMNS = [
  'a.username',
  'a.username_key',
  'a.email',
  'a.email_key',
  'a.email_verified_at',
  'a.password_hash',
  'a.status',
  'a.promo_code',
  'a.created_at as a_created_at',
  'a.updated_at as a_updated_at',
] as const;

type JoinedRow = SessionRow & Omit<AccountRow, 'id' | 'created_at' | 'updated_at'> & { a_created_at: number; a_updated_at: number };

function splitJoined(row: JoinedRow): { session: Session; account: ReturnType<typeof toAccount> } {
  return {
    session: toSession(row),
    account: toAccount({
      id: row.account_id,
      username: row.username,
      username_key: row.username_key,
      email: row.email,
      email_key: row.email_key,
      email_verified_at: row.email_verified_at,
      password_hash: row.password_hash,
      status: row.status,
      promo_code: row.promo_code,
      created_at: row.a_created_at,
      updated_at: row.a_updated_at,
    }),
  };
}

/** The session store. */
export function createSessionStore(dialect: DialectName): SessionStore {
  const lock = dialect === 'postgres';
  // The two session checks run on every authenticated request: compiled once.
  const joinedBy = (column: 's.id' | 's.secret_hash') =>
    precompiled<JoinedRow>((db) =>
      db
        .selectFrom('sessions as s')
        .innerJoin('accounts as a', 'a.id', 's.account_id')
        .select([...SESSION_COLUMNS, ...ACCOUNT_COLUMNS])
        .where(column, '=', '?') as never,
    );
  const joinedById = joinedBy('s.id');
  const joinedBySecretHash = joinedBy('s.secret_hash');
  return {
    async insert(tx, s) {
      await q(tx)
        .insertInto('sessions')
        .values({
          id: s.id,
          secret_hash: s.secretHash,
          account_id: s.accountId,
          kind: s.kind,
          family_id: s.familyId,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          idle_expires_at: s.idleExpiresAt,
          absolute_expires_at: s.absoluteExpiresAt,
          rotated_at: s.rotatedAt,
          replaced_by: s.replacedBy,
          revoked_at: s.revokedAt,
          ip: s.ip,
          user_agent: s.userAgent,
        })
        .execute();
    },

    async findBySecretHashForUpdate(tx, secretHash) {
      const row = await q(tx)
        .selectFrom('sessions')
        .selectAll()
        .where('secret_hash', '=', secretHash)
        .$if(lock, (qb) => qb.forUpdate())
        .executeTakeFirst();
      return row ? toSession(row) : null;
    },

    async findById(tx, id) {
      const row = await q(tx).selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toSession(row) : null;
    },

    async findWithAccount(tx, id) {
      const row = await joinedById(tx, id);
      return row ? splitJoined(row) : null;
    },

    async findBySecretHashWithAccount(tx, secretHash) {
      const row = await joinedBySecretHash(tx, secretHash);
      return row ? splitJoined(row) : null;
    },

    async markRotated(tx, id, now, successorId) {
      await q(tx).updateTable('sessions').set({ rotated_at: now, replaced_by: successorId }).where('id', '=', id).execute();
    },

    async revokeFamily(tx, familyId, now) {
      await q(tx)
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('family_id', '=', familyId)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async touch(tx, id, now, idleExpiresAt) {
      await q(tx)
        .updateTable('sessions')
        .set({ last_seen_at: now, idle_expires_at: idleExpiresAt })
        .where('id', '=', id)
        .execute();
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
  };
}
