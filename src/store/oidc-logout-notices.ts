/**
 * OidcLogoutNoticeStore on Kysely: the outbox of back-channel logout tokens. A node claims a due
 * notice by moving its next_attempt_at to the end of a lease, conditionally on the value it read,
 * so two nodes never send one notice at the same time (the same statements on SQLite and
 * PostgreSQL, no row locks needed); a node that dies mid-send only delays it until the lease ends.
 */
import type { OidcLogoutNotice, OidcLogoutNoticeStore } from '../core/oidc/ports.js';
import { q } from './handle.js';
import type { OidcLogoutNoticesTable } from './oidc-schema.js';

function toNotice(row: OidcLogoutNoticesTable): OidcLogoutNotice {
  return {
    id: row.id,
    clientId: row.client_id,
    accountId: row.account_id,
    sid: row.sid,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    createdAt: Number(row.created_at),
  };
}

/** The back-channel logout outbox. */
export function createOidcLogoutNoticeStore(): OidcLogoutNoticeStore {
  return {
    async enqueue(tx, n) {
      await q(tx)
        .insertInto('oidc_logout_notices')
        .values({ id: n.id, client_id: n.clientId, account_id: n.accountId, sid: n.sid, attempts: n.attempts, next_attempt_at: n.nextAttemptAt, created_at: n.createdAt, last_error: null })
        .execute();
    },

    async claimDue(tx, now, leaseUntil, limit) {
      const rows = await q(tx).selectFrom('oidc_logout_notices').selectAll().where('next_attempt_at', '<=', now).orderBy('next_attempt_at').limit(limit).execute();
      const claimed: OidcLogoutNotice[] = [];
      for (const row of rows) {
        const taken = await q(tx)
          .updateTable('oidc_logout_notices')
          .set({ next_attempt_at: leaseUntil })
          .where('id', '=', row.id)
          .where('next_attempt_at', '=', row.next_attempt_at)
          .executeTakeFirst();
        if (Number(taken.numUpdatedRows) === 1) claimed.push(toNotice(row));
      }
      return claimed;
    },

    async remove(tx, id) {
      await q(tx).deleteFrom('oidc_logout_notices').where('id', '=', id).execute();
    },

    async reschedule(tx, id, attempts, nextAttemptAt, error) {
      await q(tx).updateTable('oidc_logout_notices').set({ attempts, next_attempt_at: nextAttemptAt, last_error: error.slice(0, 200) }).where('id', '=', id).execute();
    },
  };
}
