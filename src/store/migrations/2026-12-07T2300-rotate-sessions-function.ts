/**
 * PostgreSQL only: the statement that rotates many current refresh tokens at once
 * (src/store/rotation-batch.ts; docs/decisions.md, "Refresh rotations on PostgreSQL share a
 * statement") as a PL/pgSQL function, `latchkey_rotate_sessions(...)`, so that it runs on a
 * generic plan (docs/decisions.md, "The shared rotation runs on a generic plan"). Sent as a
 * prepared statement of its own, the UPDATE was planned again at every call: the planner sees
 * each batch's arrays, estimates the `unnest` at their exact length, and so never finds the
 * generic plan (estimated at ten rows) cheaper than a custom one, while planning cost about as
 * much as running it. The function's `set plan_cache_mode = force_generic_plan` applies to its
 * own statement only; every other statement keeps PostgreSQL's choice. The generic plan is the
 * custom one's: each row by its primary key, the account by its own (`EXPLAIN` of the prepared
 * statement under that setting, 400,000 sessions).
 *
 * The arguments are the calls' values, one array each, in the calls' order; each rotated row is
 * answered whole (`setof sessions`, so a column a later migration adds is answered too), and a
 * call whose row does not qualify gets no row: the locked rotation decides it. The conditions
 * and changes are those of the single statement (src/store/sessions.ts, `rotateCurrent`).
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** The rotation window of `v`'s call is fresh (src/core/tokens/token-sessions.ts). */
const fresh = '(sessions.rotation_window_at is null or v.at - sessions.rotation_window_at >= v.window_ms or v.at < sessions.rotation_window_at)';

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create or replace function latchkey_rotate_sessions(p_ids text[], p_generations integer[], p_presented text[], p_chains text[],
    p_ats bigint[], p_idles bigint[], p_ips text[], p_agents text[], p_per_minute integer[], p_windows bigint[]) returns setof sessions
language plpgsql volatile set plan_cache_mode = force_generic_plan as $$
begin
  return query update sessions set
      generation = sessions.generation + 1,
      chain_hash = v.chain_hash,
      chain_at = v.at,
      last_seen_at = v.at,
      idle_expires_at = case when v.idle < sessions.absolute_expires_at then v.idle else sessions.absolute_expires_at end,
      ip = v.ip,
      user_agent = v.user_agent,
      rotation_window_at = case when ${sql.raw(fresh)} then v.at else sessions.rotation_window_at end,
      rotation_count = case when ${sql.raw(fresh)} then 1 else sessions.rotation_count + 1 end
    from unnest(p_ids, p_generations, p_presented, p_chains, p_ats, p_idles, p_ips, p_agents, p_per_minute, p_windows)
      as v(id, generation, presented_hash, chain_hash, at, idle, ip, user_agent, per_minute, window_ms)
    where sessions.id = v.id
      and sessions.kind = 'token'
      and sessions.generation = v.generation
      and coalesce(sessions.chain_hash, sessions.secret_hash) = v.presented_hash
      and sessions.revoked_at is null
      and sessions.rotated_at is null
      and sessions.idle_expires_at > v.at
      and sessions.absolute_expires_at > v.at
      and case when ${sql.raw(fresh)} then 1 else sessions.rotation_count + 1 end <= v.per_minute
      and exists (select accounts.id from accounts where accounts.id = sessions.account_id and accounts.status = 'active')
    returning sessions.*;
end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop function if exists latchkey_rotate_sessions(text[], integer[], text[], text[], bigint[], bigint[], text[], text[], integer[], bigint[])`.execute(db);
}
