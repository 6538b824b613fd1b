/**
 * REQUIRE_MFA on the pages (docs/security.md, "Second factor"): an account without a second
 * factor that signs in is held to enrolling one. /account shows only the enrolment forms (an
 * authenticator app or a passkey) and the logout button, and every other /account form or page
 * sends it back there; the enrolment forms (/account/mfa/*, /account/passkeys/*) stay open. The
 * rule itself is the core's (src/core/mfa/require.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { SecondFactorStatus } from '../../core/mfa/enrol.js';
import type { Passkey } from '../../core/passkeys/ports.js';
import { currentVisitor, type PagesDeps, type Visitor } from './context.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, page, type Notice } from './layout.js';
import { passkeysSection } from './passkeys.js';
import { secondFactorSection } from './second-factor.js';

/** Paths an account held to enrolment may still use. */
const OPEN = /^\/account(?:\/(?:mfa|passkeys)\/[^?]*)?(?:\?.*)?$/;

/** The account page of an account that must enrol a second factor first. */
export function enrolPage(visitor: Visitor, factor: SecondFactorStatus, passkeys: Passkey[], notice?: Notice): SafeHtml {
  return page(
    'Add a second factor',
    html`<p>This service requires a second factor. Add a passkey or an authenticator app to continue.</p>
${secondFactorSection(factor, visitor.csrfToken)}
${passkeysSection(passkeys, visitor.csrfToken, factor)}
<section><form method="post" action="/logout">${csrfField(visitor.csrfToken)}<button type="submit">Log out</button></form></section>`,
    notice ?? { kind: 'error', text: 'Add a second factor before you use your account.' },
  );
}

/** Adds the hook that sends an account held to enrolment back to /account from any other /account path. */
export function registerEnrolmentGate(app: FastifyInstance, deps: PagesDeps): void {
  app.addHook('preHandler', async (req, reply) => {
    if (!req.url.startsWith('/account/') || OPEN.test(req.url)) return;
    const visitor = await currentVisitor(deps, req);
    if (visitor === null || !(await deps.service.secondFactor.mustEnrol(visitor.account.id))) return;
    return reply.redirect('/account', 303);
  });
}
