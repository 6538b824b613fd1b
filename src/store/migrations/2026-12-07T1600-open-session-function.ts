/**
 * PostgreSQL only: a login's session in one round trip (docs/decisions.md, "Logins on PostgreSQL:
 * fewer round trips"). `latchkey_open_session(session, keep, audit)` takes the new session row and
 * its `login` audit row as JSON objects keyed by column (src/store/session-rows.ts rowOf,
 * src/store/audit.ts auditRow), locks the account row, inserts the session only when the
 * account's entries in the live-sessions index are within `keep` (the statement of
 * SessionWrites.insertWithinCap), then the audit row, and answers whether it inserted. Called as
 * one statement outside a transaction, it is the transaction of the lock, the two inserts and
 * the commit, which were five round trips. Each statement of a PL/pgSQL function takes its own
 * snapshot at READ COMMITTED, so the count runs after the lock and sees every session a
 * concurrent login of the account committed, as the separate statements did. Over the cap it
 * changes nothing, and the caller takes the path that ends the least recently used sessions.
 * The rows are read with `jsonb_populate_record` over the tables' own row types, so a column a
 * later migration adds needs no new function (a key the JSON lacks is NULL).
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create or replace function latchkey_open_session(p_session jsonb, p_keep integer, p_audit jsonb) returns boolean
language plpgsql volatile as $$
declare
  v_account text := p_session ->> 'account_id';
begin
  perform 1 from accounts where id = v_account for update;
  insert into sessions
    select (jsonb_populate_record(null::sessions, p_session)).*
    where (select count(*) from sessions where account_id = v_account and revoked_at is null) <= p_keep;
  if not found then
    return false;
  end if;
  insert into audit_events select (jsonb_populate_record(null::audit_events, p_audit)).*;
  return true;
end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop function if exists latchkey_open_session(jsonb, integer, jsonb)`.execute(db);
}
