/**
 * The live sessions of an account, by last use: a partial index over the rows not revoked
 * (docs/security.md, "Sessions per account"). Listing an account's sessions, ending the others
 * and ending the least recently used at a login beyond MAX_SESSIONS_PER_ACCOUNT read only this
 * index, so their cost follows the account's live sessions (capped), not every session it ever
 * had: revoked rows (kept an hour for the cleanup) are not in it. The same statement on SQLite
 * and PostgreSQL, both of which use a partial index for a query whose WHERE has its condition.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('sessions_live_by_account')
    .on('sessions')
    .columns(['account_id', 'last_seen_at'])
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sessions_live_by_account').execute();
}
