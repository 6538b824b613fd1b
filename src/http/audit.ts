/**
 * Security events recorded at the HTTP layer, through the core's AuditLog with the request's
 * address, user agent, request id and surface: a request refused by a CSRF check, a state change
 * with Basic credentials refused because it came from another site, and any 429 (a per-address
 * limit) whose event the core has not recorded itself. Everything else (logins and their
 * throttling, refreshes, links) is recorded by the core, which knows the account. `auditRequest`
 * is for any further HTTP-side event. Nothing here reads a credential; the route pattern stands
 * for the path.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAuthError } from '../core/errors.js';
import type { AuditEvent, AuditLog } from '../core/audit/ports.js';
import type { Clock } from '../core/ports.js';
import { clientContext } from './credentials.js';
import { createCsrfRefusalBudget, isCsrfRejection, requestSource } from './csrf.js';

/** Records an HTTP-side event for `req`; never throws. */
export function auditRequest(audit: AuditLog, req: FastifyRequest, event: Omit<AuditEvent, 'ctx'>): Promise<void> {
  return audit.note({ ...event, ctx: clientContext(req) });
}

/** Adds the hooks recording CSRF and rate-limit refusals, and the CSRF refusal budget, on every scope registered after it. */
export function useAuditHooks(app: FastifyInstance, audit: AuditLog, publicOrigin: string, clock: Clock): void {
  // Past its budget of CSRF refusals, an address's state changes are refused before any work (csrf.ts).
  const csrfBudget = createCsrfRefusalBudget(publicOrigin, clock);
  app.addHook('onRequest', (req, _reply, done) => {
    const refusal = csrfBudget.refuse(req);
    done(refusal ?? undefined);
  });
  app.addHook('onError', async (req, _reply, err) => {
    const route = `${req.method} ${req.routeOptions.url ?? ''}`;
    if (isAuthError(err, 'THROTTLED') && !err.audited) {
      await auditRequest(audit, req, { type: 'rate_limited', outcome: 'rejected', detail: { route, retryAfter: err.retryAfter ?? null } });
      return;
    }
    if (!isAuthError(err, 'FORBIDDEN')) return;
    if (!isCsrfRejection(err) && requestSource(req, publicOrigin) !== 'foreign') return;
    csrfBudget.count(req);
    await auditRequest(audit, req, { type: 'csrf_rejected', outcome: 'rejected', detail: { route } });
  });
}
