/**
 * `latchkey export` and GET /api/v1/admin/export: every account as one JSON line in the import
 * format (records.ts), newest first, so one Latchkey's export imports into another. Password
 * hashes are left out unless asked for; an export with hashes is an `account_export` audit event
 * written before the first line. With `sessions`, each line lists the account's live logins
 * (when, from where; never a secret): for the record, since sessions do not move (an import
 * ignores them and users log in again).
 */
import type { CoreDeps } from '../deps.js';
import type { SessionRevocations } from '../sessions/ports.js';
import type { ClientContext } from '../ports.js';
import type { Account } from '../accounts/ports.js';

export interface ExportOptions {
  withHashes?: boolean;
  sessions?: boolean;
  ctx?: ClientContext;
  /** Accounts read per query (default 500). */
  pageSize?: number;
}

/** One account as an import line's object. */
export interface ExportedAccount {
  id: string;
  username?: string;
  email?: string;
  emailVerified?: boolean;
  status: Account['status'];
  createdAt: number;
  /** The language of the account's emails; absent: none stored (DEFAULT_LANGUAGE). */
  locale?: string;
  passwordHash?: string;
  sessions?: Array<{ kind: string; createdAt: number; lastSeenAt: number; ip: string | null; userAgent: string | null }>;
}

/** The accounts as JSON lines (each without its newline). */
export async function* exportAccounts(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'clock' | 'audit'> & { sessions: SessionRevocations }, options: ExportOptions = {}): AsyncGenerator<string> {
  const withHashes = options.withHashes === true;
  const withSessions = options.sessions === true;
  await deps.uow.transaction((tx) =>
    deps.audit.record(tx, { type: 'account_export', outcome: 'success', ctx: options.ctx, detail: { withHashes, sessions: withSessions } }),
  );
  const limit = Math.max(1, Math.min(options.pageSize ?? 500, 5000));
  let after: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page = await deps.accounts.list(deps.uow.db, { limit, ...(after ? { after } : {}) });
    for (const a of page) {
      const out: ExportedAccount = { id: a.id, status: a.status, createdAt: a.createdAt };
      if (a.username !== null) out.username = a.username;
      if (a.email !== null) {
        out.email = a.email;
        out.emailVerified = a.emailVerifiedAt !== null;
      }
      if (a.locale !== null) out.locale = a.locale;
      if (withHashes && a.passwordHash !== null) out.passwordHash = a.passwordHash;
      if (withSessions) {
        const live = await deps.sessions.listLiveSessions(deps.uow.db, a.id, deps.clock.now(), { limit: 1000 });
        out.sessions = live.map((s) => ({ kind: s.kind, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, ip: s.ip, userAgent: s.userAgent }));
      }
      yield JSON.stringify(out);
    }
    const last = page[page.length - 1];
    if (page.length < limit || !last) return;
    after = { createdAt: last.createdAt, id: last.id };
  }
}
