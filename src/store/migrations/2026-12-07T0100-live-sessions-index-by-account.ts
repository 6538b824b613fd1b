/**
 * The live sessions' partial index keys on the account alone (docs/decisions.md,
 * "The live-sessions index leaves out the last-use time"). `sessions_live_by_account` also held
 * `last_seen_at`, which every refresh rotation and every last-seen write changes: on PostgreSQL
 * that made each of those updates a non-HOT one (a new entry in every index of `sessions`), on
 * SQLite one more index entry moved per write. The queries that read it (the session list,
 * revoke-others, eviction beyond MAX_SESSIONS_PER_ACCOUNT) still read only the account's live
 * rows through this index (docs/security.md, "Sessions per account") and sort those few by last
 * use themselves. The same statements on SQLite and PostgreSQL.
 */
import { sql, type Kysely } from 'kysely';
import { up as createIndexByLastUse } from './2026-12-06T0400-live-sessions-index.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('sessions_live_of_account').on('sessions').column('account_id').where(sql.ref('revoked_at'), 'is', null).execute();
  await db.schema.dropIndex('sessions_live_by_account').execute();
}

// Down: the index this one replaced, as its own migration made it.
export async function down(db: Kysely<any>): Promise<void> {
  await createIndexByLastUse(db);
  await db.schema.dropIndex('sessions_live_of_account').execute();
}
