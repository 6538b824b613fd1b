/**
 * OpenID Connect Back-Channel Logout from a durable place (docs/decisions.md, "Back-channel
 * logout from an outbox"; docs/security.md, "OpenID Connect provider"). When a Latchkey session
 * ends on any surface (logout, revocation, expiry), the grants given under it are orphaned; a
 * sweep on every node ends each orphaned grant (its codes and tokens deleted) and, in the same
 * transaction, queues a logout notice for a client that registered a backchannel_logout_uri. The
 * provider's own end_session queues its notices here too. A sender then posts the logout token
 * (signed by the provider library) and deletes the notice on the client's 200; a failure is
 * retried with exponential back-off and given up after `maxAttempts`, each logged. A node crash
 * loses nothing: the orphaned link, then the notice, stays in the database until handled, and
 * a notice is leased to one node while it is being sent.
 */
import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { LogoutTokenSender, OidcClientStore, OidcLogoutNotice, OidcLogoutNoticeStore, OidcPayloadStore, OidcSessionGrantStore } from './ports.js';

export type LogoutNoticeDeps = Pick<CoreDeps, 'uow' | 'clock'> & {
  oidcPayloads: OidcPayloadStore;
  oidcClients: OidcClientStore;
  oidcGrants: OidcSessionGrantStore;
  oidcLogoutNotices: OidcLogoutNoticeStore;
};

/** What happened to one notice, for the log. */
export interface LogoutNoticeOutcome {
  notice: OidcLogoutNotice;
  outcome: 'sent' | 'retry' | 'gave_up';
  error?: string;
}

export interface LogoutSenderOptions {
  /** Attempts before a notice is given up (default 12: about two hours with the default back-off). */
  maxAttempts?: number;
  /** How long a claimed notice is this node's, ms (default 60 s, above the provider's request timeout). */
  leaseMs?: number;
  /** The longest pause between two attempts, ms (default 30 min). */
  maxBackoffMs?: number;
  /** Notices per round (default 20). */
  batch?: number;
}

const BASE_BACKOFF_MS = 2_000;

/** Queues a logout notice for a client (now due). */
export async function queueLogoutNotice(deps: LogoutNoticeDeps, clientId: string, accountId: string, sid: string | null): Promise<void> {
  const now = deps.clock.now();
  await deps.oidcLogoutNotices.enqueue(deps.uow.db, { id: randomUUID(), clientId, accountId, sid, attempts: 0, nextAttemptAt: now, createdAt: now });
}

/** Ends up to `limit` grants whose Latchkey session no longer lives, queueing their clients' logout notices; returns how many ended. */
export async function endOrphanedGrants(deps: LogoutNoticeDeps, limit = 100): Promise<number> {
  const now = deps.clock.now();
  const orphans = await deps.oidcGrants.listOrphans(deps.uow.db, now, limit);
  let ended = 0;
  for (const grant of orphans) {
    await deps.uow.transaction(async (tx) => {
      // Whoever removes the link ends the grant: another node that got here first queued the notice.
      if ((await deps.oidcGrants.unlink(tx, [grant.grantId])) === 0) return;
      ended += 1;
      await deps.oidcPayloads.revokeByGrantId(tx, grant.grantId);
      const client = await deps.oidcClients.findById(tx, grant.clientId);
      if (client === null || client.revokedAt !== null || client.backchannelLogoutUri === null) return;
      await deps.oidcLogoutNotices.enqueue(tx, { id: randomUUID(), clientId: grant.clientId, accountId: grant.accountId, sid: grant.sid ?? null, attempts: 0, nextAttemptAt: now, createdAt: now });
    });
  }
  return ended;
}

/** Sends the due notices once; every outcome goes to `report` (the caller logs it). */
export async function sendDueLogoutNotices(deps: LogoutNoticeDeps, send: LogoutTokenSender, report: (o: LogoutNoticeOutcome) => void, options: LogoutSenderOptions = {}): Promise<number> {
  const { maxAttempts = 12, leaseMs = 60_000, maxBackoffMs = 30 * 60_000, batch = 20 } = options;
  const now = deps.clock.now();
  const due = await deps.oidcLogoutNotices.claimDue(deps.uow.db, now, now + leaseMs, batch);
  for (const notice of due) {
    try {
      await send(notice);
      await deps.oidcLogoutNotices.remove(deps.uow.db, notice.id);
      report({ notice, outcome: 'sent' });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const attempts = notice.attempts + 1;
      if (attempts >= maxAttempts) {
        await deps.oidcLogoutNotices.remove(deps.uow.db, notice.id);
        report({ notice: { ...notice, attempts }, outcome: 'gave_up', error });
        continue;
      }
      const wait = Math.min(BASE_BACKOFF_MS * 2 ** notice.attempts, maxBackoffMs);
      await deps.oidcLogoutNotices.reschedule(deps.uow.db, notice.id, attempts, deps.clock.now() + wait, error);
      report({ notice: { ...notice, attempts }, outcome: 'retry', error });
    }
  }
  return due.length;
}
