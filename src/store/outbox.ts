/**
 * The durable mail outbox. The core enqueues a message in the transaction of the change that
 * causes it, so a mail server that is down loses nothing; a sender delivers rows later.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, Outbox } from '../core/ports.js';
import { q } from './handle.js';

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
