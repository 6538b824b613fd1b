/**
 * The durable mail outbox. The core enqueues a message in the transaction of the change that
 * causes it, so a mail server that is down loses nothing; a sender delivers rows later.
 *
 * Rows hold the template data (a link token or a generated password) only until the message
 * is sent: markSent replaces it with '{}'. Several senders (nodes) share the table: a sender
 * claims due rows by setting `locked_until` (a lease). On PostgreSQL the claim selects with
 * FOR UPDATE SKIP LOCKED, so two nodes never take the same row; on SQLite one conditional
 * UPDATE ... RETURNING does it (SQLite has one writer at a time). A node that dies holding a
 * claim only delays its rows until the lease passes.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Outbox, OutboxQueue } from '../core/outbox/ports.js';
import type { Clock } from '../core/ports.js';
import type { DialectName } from './connect.js';
import { q } from './handle.js';
import type { Database } from './schema.js';

/** The enqueue side of the outbox. */
export function createOutbox(clock: Clock): Outbox {
  return {
    async enqueue(tx, message) {
      const now = clock.now();
      await q(tx)
        .insertInto('outbox')
        .values({
          id: randomUUID(),
          template: message.template,
          recipient: message.to,
          data: JSON.stringify(message.data),
          language: message.language ?? null,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          locked_until: null,
          last_error: null,
          created_at: now,
          sent_at: null,
        })
        .execute();
    },
  };
}

export type { OutboxQueue, OutboxRow, OutboxSummary } from '../core/outbox/ports.js';

const SUMMARY_COLUMNS = ['id', 'template', 'recipient', 'status', 'attempts', 'next_attempt_at', 'locked_until', 'last_error', 'created_at', 'sent_at', 'language'] as const;

/** The outbox queue over one database. */
export function createOutboxQueue(db: Kysely<Database>, dialect: DialectName): OutboxQueue {
  return {
    async claimDue(now, leaseUntil, limit) {
      if (dialect === 'postgres') {
        return db.transaction().execute(async (trx) => {
          const due = await trx
            .selectFrom('outbox')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .limit(limit)
            .forUpdate()
            .skipLocked()
            .execute();
          if (due.length === 0) return [];
          return trx
            .updateTable('outbox')
            .set({ locked_until: leaseUntil })
            .where('id', 'in', due.map((r) => r.id))
            .returningAll()
            .execute();
        });
      }
      return db
        .updateTable('outbox')
        .set({ locked_until: leaseUntil })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('outbox')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .limit(limit),
        )
        .where('status', '=', 'pending')
        .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]))
        .returningAll()
        .execute();
    },

    async markSent(id, leaseUntil, now, options = {}) {
      // The data (link tokens) is erased once sent, except by the dev outbox, which keeps it for /dev/mail.
      const result = await db
        .updateTable('outbox')
        .set((eb) => ({ status: 'sent', sent_at: now, ...(options.keepData ? {} : { data: '{}' }), locked_until: null, last_error: null, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .where('locked_until', '=', leaseUntil)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async markFailed(id, leaseUntil, failure) {
      await db
        .updateTable('outbox')
        .set((eb) => ({
          status: failure.giveUp ? 'failed' : 'pending',
          attempts: eb('attempts', '+', 1),
          last_error: failure.error,
          next_attempt_at: failure.nextAttemptAt,
          locked_until: null,
        }))
        .where('id', '=', id)
        .where('locked_until', '=', leaseUntil)
        .execute();
    },

    async release(id, leaseUntil) {
      await db.updateTable('outbox').set({ locked_until: null }).where('id', '=', id).where('locked_until', '=', leaseUntil).execute();
    },

    async list(options = {}) {
      let query = db.selectFrom('outbox').select(SUMMARY_COLUMNS).orderBy('created_at', 'desc').orderBy('id');
      if (options.failedOnly) query = query.where('status', '=', 'failed');
      return query.limit(options.limit ?? 100).execute();
    },

    async find(id) {
      return (await db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
    },

    async retry(id, now) {
      const result = await db
        .updateTable('outbox')
        .set((eb) => ({
          status: 'pending',
          next_attempt_at: now,
          // locked_until is kept: a row being sent right now must not be taken by a second sender.
          attempts: eb.case().when('status', '=', 'failed').then(0).else(eb.ref('attempts')).end(),
        }))
        .where('id', '=', id)
        .where('status', 'in', ['pending', 'failed'])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

/** Unsent mail: rows waiting (pending) and rows given up on (failed); one COUNT, for the metrics. */
export async function countOutboxBacklog(db: Kysely<Database>): Promise<{ pending: number; failed: number }> {
  const rows = await db
    .selectFrom('outbox')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('status', 'in', ['pending', 'failed'])
    .groupBy('status')
    .execute();
  const counts = { pending: 0, failed: 0 };
  for (const row of rows) if (row.status === 'pending' || row.status === 'failed') counts[row.status] = Number(row.n);
  return counts;
}
