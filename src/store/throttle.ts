/**
 * ThrottleStore on Kysely: one upsert per failure, atomic on both databases. Every login asks
 * for one key's block twice (the address, then the account, with whether anything is counted for
 * it) and clears the account's failures on success when there were any: those statements are
 * compiled once (prepared(); named statements on PostgreSQL).
 */
import { sql } from 'kysely';
import type { ThrottleStore } from '../core/credentials/ports.js';
import { prepared, q } from './handle.js';

/** The login throttle store. */
export function createThrottleStore(): ThrottleStore {
  const blockOfKey = prepared<{ key: string }, { until: number | null }>((db, slot) =>
    db.selectFrom('login_throttle').select(({ fn }) => fn.max('blocked_until').as('until')).where('key', '=', slot('key')) as never,
  );
  const stateOfKey = prepared<{ key: string }, { until: number | null; n: number | string }>((db, slot) =>
    db
      .selectFrom('login_throttle')
      .select(({ fn }) => [fn.max('blocked_until').as('until'), fn.countAll().as('n')])
      .where('key', '=', slot('key')) as never,
  );
  const resetKey = prepared<{ key: string }>((db, slot) => db.deleteFrom('login_throttle').where('key', '=', slot('key')));
  return {
    async blockedUntil(tx, keys) {
      if (keys.length === 0) return 0;
      if (keys.length === 1) return Number((await blockOfKey(tx, { key: keys[0] as string })).rows[0]?.until ?? 0);
      const row = await q(tx)
        .selectFrom('login_throttle')
        .select(({ fn }) => fn.max('blocked_until').as('until'))
        .where('key', 'in', keys)
        .executeTakeFirst();
      return Number(row?.until ?? 0);
    },

    async subjectState(tx, key) {
      const row = (await stateOfKey(tx, { key })).rows[0];
      return { blockedUntil: Number(row?.until ?? 0), counted: Number(row?.n ?? 0) > 0 };
    },

    async recordFailure(tx, key, now, windowMs) {
      const stale = now - windowMs;
      const row = await q(tx)
        .insertInto('login_throttle')
        .values({ key, failures: 1, window_start: now, blocked_until: 0 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures: sql`case when login_throttle.window_start <= ${stale} then 1 else login_throttle.failures + 1 end`,
            window_start: sql`case when login_throttle.window_start <= ${stale} then ${now} else login_throttle.window_start end`,
          }),
        )
        .returning(['failures', 'window_start', 'blocked_until'])
        .executeTakeFirstOrThrow();
      return { failures: Number(row.failures), windowStart: Number(row.window_start), blockedUntil: Number(row.blocked_until) };
    },

    async block(tx, key, until) {
      await q(tx).updateTable('login_throttle').set({ blocked_until: until }).where('key', '=', key).execute();
    },

    async reset(tx, key) {
      await resetKey(tx, { key });
    },
  };
}
