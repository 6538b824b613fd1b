/**
 * REQUIRE_MFA on the pages (docs/security.md, "Second factor"): an account without a second
 * factor that signs in is held to enrolling one. /account shows only the enrolment forms (an
 * authenticator app or a passkey: templates/pages/enrol.eta, sent by account.ts) and the logout button, and every other /account form or page
 * sends it back there; the enrolment forms (/account/mfa/*, /account/passkeys/*) stay open. The
 * rule itself is the core's (src/core/mfa/require.ts).
 */
import type { FastifyInstance } from 'fastify';
import { currentVisitor, type PagesDeps } from './context.js';

/** Paths an account held to enrolment may still use. */
const OPEN = /^\/account(?:\/(?:mfa|passkeys)\/[^?]*)?(?:\?.*)?$/;

/** Adds the hook that sends an account held to enrolment back to /account from any other /account path. */
export function registerEnrolmentGate(app: FastifyInstance, deps: PagesDeps): void {
  app.addHook('preHandler', async (req, reply) => {
    if (!req.url.startsWith('/account/') || OPEN.test(req.url)) return;
    const visitor = await currentVisitor(deps, req);
    if (visitor === null || !(await deps.service.secondFactor.mustEnrol(visitor.account.id))) return;
    return reply.redirect('/account', 303);
  });
}
