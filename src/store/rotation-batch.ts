/**
 * PostgreSQL: the one-statement rotation of a current refresh token (sessions.ts,
 * `rotateCurrent`) for many tokens at once (docs/decisions.md, "Refresh rotations on PostgreSQL
 * share a statement"). The same conditions and the same changes as the single statement, with
 * each call's values taken from arrays (`unnest`, in the function `latchkey_rotate_sessions`),
 * so the rotations asked for together cost one round trip, one commit and one WAL flush. A call
 * whose row does not qualify gets no row back and goes to the locked rotation, exactly as with
 * the single statement.
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

// The statement is a function (src/store/migrations/2026-12-07T2300-rotate-sessions-function.ts)
// so that it runs on a generic plan; its conditions and changes are rotateCurrent's.
const rotateMany = prepared<Arrays, SessionRow>((db: Kysely<Database>, slot) => {
  const query = sql`select ${RETURNED} from latchkey_rotate_sessions(${slot('ids')}::text[], ${slot('generations')}::integer[],
      ${slot('presented')}::text[], ${slot('chains')}::text[], ${slot('ats')}::bigint[], ${slot('idles')}::bigint[],
      ${slot('ips')}::text[], ${slot('agents')}::text[], ${slot('perMinute')}::integer[], ${slot('windows')}::bigint[]) as sessions`;
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
  // A batch never holds one row twice (batchedStatement's keyOf), so the id names the call.
  const byId = new Map(rows.map((r) => [r.id, r]));
  return calls.map((c) => byId.get(c.id));
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
