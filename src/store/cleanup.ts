/**
 * Periodic removal of rows nobody can use any more: sessions past their absolute expiry, idle
 * sessions that were never rotated, revoked sessions after an hour, used or expired link tokens
 * after a day, sent mail after a week, audit events past their retention (90 days by default), and
 * throttle and rate-limit counters (table login_throttle) whose window began over a day ago and
 * that block nothing (every window is a day or shorter), and expired objects of the OIDC provider. Rotated sessions stay until their
 * family's absolute expiry: they are the evidence that makes a replayed refresh token revoke its family.
 *
 * Every statement is a bounded, idempotent DELETE, so every node may run it at the same time.
 */
import type { OpenedDatabase } from './connect.js';

export interface CleanupReport {
  sessions: number;
  oneTimeTokens: number;
  outbox: number;
  auditEvents: number;
  throttleCounters: number;
  /** Expired objects of the OIDC provider (codes, tokens, grants, interactions). */
  oidcPayloads: number;
  /** Pending second steps of logins, a day after they expired or were used. */
  mfaChallenges: number;
}

export interface CleanupOptions {
  /** Audit events older than this (ms) are deleted; default 90 days. */
  auditRetentionMs?: number;
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
export async function deleteExpiredRows(opened: OpenedDatabase, now: number, options: CleanupOptions = {}): Promise<CleanupReport> {
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
  const auditBefore = now - (options.auditRetentionMs ?? 90 * DAY);
  const auditEvents = await deleteBatched(() =>
    db
      .deleteFrom('audit_events')
      .where('id', 'in', (qb) => qb.selectFrom('audit_events').select('id').where('at', '<', auditBefore).limit(BATCH))
      .executeTakeFirst(),
  );
  const throttleCounters = await deleteBatched(() =>
    db
      .deleteFrom('login_throttle')
      .where('key', 'in', (qb) =>
        qb
          .selectFrom('login_throttle')
          .select('key')
          .where('window_start', '<=', now - DAY)
          .where('blocked_until', '<=', now)
          .limit(BATCH),
      )
      .executeTakeFirst(),
  );
  // Expired OIDC objects (codes live a minute, interactions ten): one indexed range delete.
  const oidcPayloads = Number((await db.deleteFrom('oidc_payloads').where('expires_at', '<=', now).executeTakeFirst()).numDeletedRows);
  await db.deleteFrom('oidc_session_grants').where('session_id', 'not in', (qb) => qb.selectFrom('sessions').select('id')).execute();
  const mfaChallenges = await deleteBatched(() =>
    db
      .deleteFrom('mfa_challenges')
      .where('id', 'in', (qb) =>
        qb
          .selectFrom('mfa_challenges')
          .select('id')
          .where((eb) => eb.or([eb('used_at', '<=', now - DAY), eb('expires_at', '<=', now - DAY)]))
          .limit(BATCH),
      )
      .executeTakeFirst(),
  );
  // WebAuthn ceremony challenges live minutes: one indexed range delete (docs/security.md, "Passkeys").
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now - DAY).execute();
  return { sessions, oneTimeTokens, outbox, auditEvents, throttleCounters, oidcPayloads, mfaChallenges };
}
