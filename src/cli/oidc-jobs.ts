/**
 * The OpenID Connect provider's background work on every node (OIDC_PROVIDER=on), on a short
 * jittered timer: end the grants of Latchkey sessions that ended and send the queued back-channel
 * logout tokens (src/core/oidc/logout-notices.ts), and any further job the wiring adds (the key
 * set check). Each run's failure is logged and retried at the next run.
 */
import { periodic } from './periodic.js';
import type { OidcAccess } from '../core/oidc/access.js';
import type { LogoutTokenSender } from '../core/oidc/ports.js';
import type { MaintenanceLog } from './maintenance.js';

/** How often every node looks, ms. */
export const OIDC_JOB_INTERVAL_MS = 2_000;

export interface OidcJobs {
  /** Runs the jobs every OIDC_JOB_INTERVAL_MS (with jitter). */
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
  /** One run now (tests, and the timer). */
  runOnce(): Promise<void>;
}

/** Builds the jobs; nothing runs until start() or runOnce(). */
export function createOidcJobs(access: OidcAccess, send: LogoutTokenSender, log: MaintenanceLog, extra: Array<() => Promise<void>> = []): OidcJobs {
  const runOnce = async (): Promise<void> => {
    for (const job of extra) await job();
    const ended = await access.endOrphanedGrants();
    if (ended > 0) log.info({ oidc_grants_ended: ended }, 'OIDC grants of ended Latchkey sessions ended');
    await access.sendLogoutNotices(send, ({ notice, outcome, error }) => {
      const detail = { client_id: notice.clientId, account_id: notice.accountId, attempts: notice.attempts, ...(error ? { error } : {}) };
      if (outcome === 'sent') log.info(detail, 'back-channel logout sent');
      else if (outcome === 'retry') log.warn(detail, 'back-channel logout failed; will retry');
      else log.warn(detail, 'back-channel logout failed too often; given up');
    });
  };

  const timer = periodic(OIDC_JOB_INTERVAL_MS, runOnce, (err) => log.warn({ err }, 'OIDC background job failed; will retry'));
  return {
    start: () => timer.start(),
    stop: () => timer.stop(),
    runOnce,
  };
}
