/** The periodic cleanup job of a serving node: safe on every node at once (see store/cleanup.ts). */
import { periodic } from './periodic.js';
import type { Clock } from '../core/ports.js';
import { deleteExpiredRows, type CleanupOptions, type CleanupReport } from '../store/cleanup.js';
import type { OpenedDatabase } from '../store/index.js';

export interface Maintenance {
  /** Runs the cleanup every interval (with jitter, so nodes spread out). */
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
  /** One cleanup now. */
  runOnce(): Promise<CleanupReport>;
}

export interface MaintenanceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Builds the cleanup job; it does nothing until start() or runOnce(). */
export function createMaintenance(
  database: OpenedDatabase,
  clock: Clock,
  log: MaintenanceLog,
  intervalMs: number,
  options: CleanupOptions = {},
): Maintenance {
  const runOnce = async (): Promise<CleanupReport> => {
    const report = await deleteExpiredRows(database, clock.now(), options);
    if (report.sessions + report.oneTimeTokens + report.outbox + report.auditEvents + report.throttleCounters + report.oidcPayloads + report.mfaChallenges > 0) log.info({ cleanup: report }, 'expired rows removed');
    return report;
  };

  const timer = periodic(intervalMs, runOnce, (err) => log.warn({ err }, 'cleanup failed; will retry'));
  return {
    start: () => timer.start(),
    stop: () => timer.stop(),
    runOnce,
  };
}
