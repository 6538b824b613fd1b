/**
 * PostgreSQL only: every committed change that can make a cached session lookup wrong notifies
 * the account id on the schema's channel (src/store/session-cache/pg-channel.ts computes the same
 * name), whoever wrote it. On sessions: a change to anything but the last-seen time, and an idle
 * expiry moved earlier (a touch only moves it later: it extends a session, it never ends one;
 * deleted rows are dead already, see cleanup.ts, or go with their account). On accounts: any update or delete. PostgreSQL folds
 * identical notifications of one transaction into one, so revoking all of an account's sessions
 * sends one. A SQLite server makes the same triggers on its own connection, as temporary ones
 * (src/store/session-cache/sqlite-watch.ts): nothing to migrate there.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`create or replace function latchkey_notify_session_change() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'accounts' then
    perform pg_notify('latchkey_' || left(md5(tg_table_schema), 16), old.id::text);
  else
    perform pg_notify('latchkey_' || left(md5(tg_table_schema), 16), old.account_id::text);
  end if;
  return null;
end $$`.execute(db);
  await sql`create trigger sessions_notify_change after update on sessions for each row
    when ((old.revoked_at, old.rotated_at, old.replaced_by, old.generation, old.chain_hash, old.secret_hash,
           old.account_id, old.family_id, old.kind, old.absolute_expires_at)
      is distinct from (new.revoked_at, new.rotated_at, new.replaced_by, new.generation, new.chain_hash, new.secret_hash,
           new.account_id, new.family_id, new.kind, new.absolute_expires_at)
      or new.idle_expires_at < old.idle_expires_at)
    execute function latchkey_notify_session_change()`.execute(db);
  await sql`create trigger accounts_notify_change after update or delete on accounts for each row
    execute function latchkey_notify_session_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop trigger if exists accounts_notify_change on accounts`.execute(db);
  await sql`drop trigger if exists sessions_notify_change on sessions`.execute(db);
  await sql`drop function if exists latchkey_notify_session_change()`.execute(db);
}
