/**
 * Periodic removal of rows nobody can use any more: sessions past their absolute expiry, idle
 * sessions that were never rotated, revoked sessions after an hour, used or expired link tokens
 * after a day, and sent mail after a week. Rotated sessions stay until their family's absolute
 * expiry: they are the evidence that makes a replayed refresh token revoke its family.
 *
 * Every statement is a bounded, idempotent DELETE, so every node may run it at the same time.
 */
import type { OpenedDatabase } from './connect.js';

export interface CleanupReport {
  sessions: number;
  oneTimeTokens: number;
  outbox: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BATCH = 5000;

async function deleteBatched(run: () => Promise<{ numDeletedRows: bigint }>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = Number((await run()).numDeletedRows);
    total += n;
    if (n < BATCH) return total;
  }
}

/** Deletes expired rows as of `now` (ms); returns how many of each kind went. */
export async function deleteExpiredRows(opened: OpenedDatabase, now: number): Promise<CleanupReport> {
  const { db } = opened;
  const sessions = await deleteBatched(() =>
    db
      .deleteFrom('sessions')
      .where('id', 'in', (qb) =>
        qb
          .selectFrom('sessions')
          .select('id')
          .where((eb) =>
            eb.or([
              eb('absolute_expires_at', '<=', now),
              eb.and([eb('rotated_at', 'is', null), eb('idle_expires_at', '<=', now)]),
              eb('revoked_at', '<=', now - HOUR),
            ]),
          )
          .limit(BATCH),
      )
      .executeTakeFirst(),
  );
  const oneTimeTokens = await deleteBatched(() =>
    db
      .deleteFrom('one_time_tokens')
      .where('id', 'in', (qb) =>
        qb
          .selectFrom('one_time_tokens')
          .select('id')
          .where((eb) => eb.or([eb('used_at', '<=', now - DAY), eb('expires_at', '<=', now - DAY)]))
          .limit(BATCH),
      )
      .executeTakeFirst(),
  );
  const outbox = await deleteBatched(() =>
    db
      .deleteFrom('outbox')
      .where('id', 'in', (qb) =>
        qb.selectFrom('outbox').select('id').where('status', '=', 'sent').where('sent_at', '<=', now - 7 * DAY).limit(BATCH),
      )
      .executeTakeFirst(),
  );
  return { sessions, oneTimeTokens, outbox };
}
