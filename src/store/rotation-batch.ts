/**
 * PostgreSQL: the one-statement rotation of a current refresh token (sessions.ts,
 * `rotateCurrent`) for many tokens at once (docs/decisions.md, "Refresh rotations on PostgreSQL
 * share a statement"). The same conditions and the same changes as the single statement, with
 * each call's values taken from arrays (`unnest ... with ordinality`), so the rotations asked for
 * together cost one round trip, one commit and one WAL flush. A call whose row does not qualify
 * gets no row back and goes to the locked rotation, exactly as with the single statement.
 */
import { sql, type Kysely } from 'kysely';
import type { CurrentRotation } from '../core/sessions/ports.js';
import type { Tx } from '../core/ports.js';
import { prepared } from './handle.js';
import type { Database, SessionRow } from './schema.js';
import { SESSION_COLUMNS } from './session-rows.js';
import { batchedStatement } from './statement-batch.js';

export type RotateArgs = { [K in keyof CurrentRotation]: CurrentRotation[K] } & { id: string };

type Arrays = {
  ids: string[];
  generations: number[];
  presented: string[];
  chains: string[];
  ats: number[];
  idles: number[];
  ips: Array<string | null>;
  agents: Array<string | null>;
  perMinute: number[];
  windows: number[];
};

const RETURNED = sql.join(SESSION_COLUMNS.map((c) => sql.ref(`sessions.${c.slice(2)}`)));

const rotateMany = prepared<Arrays, SessionRow & { n: number }>((db: Kysely<Database>, slot) => {
  // The rotation window of `v`'s call is fresh (src/core/tokens/token-sessions.ts).
  const fresh = sql`(sessions.rotation_window_at is null or v.at - sessions.rotation_window_at >= v.window_ms or v.at < sessions.rotation_window_at)`;
  const query = sql`update sessions set
      generation = sessions.generation + 1,
      chain_hash = v.chain_hash,
      chain_at = v.at,
      last_seen_at = v.at,
      idle_expires_at = case when v.idle < sessions.absolute_expires_at then v.idle else sessions.absolute_expires_at end,
      ip = v.ip,
      user_agent = v.user_agent,
      rotation_window_at = case when ${fresh} then v.at else sessions.rotation_window_at end,
      rotation_count = case when ${fresh} then 1 else sessions.rotation_count + 1 end
    from unnest(${slot('ids')}::text[], ${slot('generations')}::integer[], ${slot('presented')}::text[], ${slot('chains')}::text[],
                ${slot('ats')}::bigint[], ${slot('idles')}::bigint[], ${slot('ips')}::text[], ${slot('agents')}::text[],
                ${slot('perMinute')}::integer[], ${slot('windows')}::bigint[])
      with ordinality as v(id, generation, presented_hash, chain_hash, at, idle, ip, user_agent, per_minute, window_ms, n)
    where sessions.id = v.id
      and sessions.kind = 'token'
      and sessions.generation = v.generation
      and coalesce(sessions.chain_hash, sessions.secret_hash) = v.presented_hash
      and sessions.revoked_at is null
      and sessions.rotated_at is null
      and sessions.idle_expires_at > v.at
      and sessions.absolute_expires_at > v.at
      and case when ${fresh} then 1 else sessions.rotation_count + 1 end <= v.per_minute
      and exists (select accounts.id from accounts where accounts.id = sessions.account_id and accounts.status = 'active')
    returning v.n, ${RETURNED}`;
  return { compile: () => query.compile(db) as never };
});

/** Rotates each call's row when it qualifies; one result per call (undefined: not rotated). */
async function sendRotations(db: Tx, calls: RotateArgs[]): Promise<Array<SessionRow | undefined>> {
  const rows = (
    await rotateMany(db, {
      ids: calls.map((c) => c.id),
      generations: calls.map((c) => c.generation),
      presented: calls.map((c) => c.presentedHash),
      chains: calls.map((c) => c.chainHash),
      ats: calls.map((c) => c.at),
      idles: calls.map((c) => c.idleExpiresAt),
      ips: calls.map((c) => c.ip),
      agents: calls.map((c) => c.userAgent),
      perMinute: calls.map((c) => c.rotationsPerMinute),
      windows: calls.map((c) => c.rotationWindowMs),
    })
  ).rows;
  const byCall = new Map(rows.map((r) => [Number(r.n), r]));
  return calls.map((_, i) => byCall.get(i + 1));
}

/**
 * True when PostgreSQL answered the statement with an error of its own (a SQLSTATE), other than
 * a lost connection (class 08) or an operator's intervention such as a shutdown (class 57): one
 * call's value may be at fault, so each call is worth a statement of its own. A connection that
 * failed or timed out fails the batch at once: sending each call again would only wait again.
 */
export function refusedByDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57');
}

/** The rotations of one PostgreSQL database, sent in batches outside any transaction. */
export function createRotationBatch(db: Tx): (args: RotateArgs) => Promise<SessionRow | undefined> {
  return batchedStatement((calls: RotateArgs[]) => sendRotations(db, calls), {
    keyOf: (c) => c.id,
    alone: async (c) => (await sendRotations(db, [c]))[0],
    retryAlone: refusedByDatabase,
  });
}
