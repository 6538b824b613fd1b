/**
 * The second factor on /account (docs/security.md, "Second factor"): its state, and forms to turn
 * an authenticator app (TOTP) on, to turn it off and to make new recovery codes. Every change
 * needs the password (and a code when a factor is on) in the same form: the core checks it
 * (src/core/mfa/owner-proof.ts). Enrolment shows the QR code as inline SVG rendered here on the
 * server (`qrcode`; nothing is fetched from another site, and the page's CSP allows no script)
 * and the secret as text; it is on once a first code confirms it. Recovery codes are shown once.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { isAuthError } from '../../core/errors.js';
import type { SecondFactorStatus } from '../../core/mfa/enrol.js';
import { clientContext } from '../credentials.js';
import { assertSessionCsrf } from '../csrf.js';
import { formBody, htmlResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { currentVisitor, type PagesDeps, type Visitor } from './context.js';
import { registerAppPasswordPages } from './app-passwords.js';
import { readOwnerProof, type FactorForms, type ShowAccount } from './factor-forms.js';
import { formField } from './form-body.js';
import { html, SafeHtml } from './html.js';
import { csrfField, page, passwordInput, sendPage, sentence, type Notice } from './layout.js';

const csrf = { description: 'The session’s CSRF token (hidden field).' };
const password = { description: 'The current password.' };
const code = { description: 'A six-digit code from the authenticator app, or a recovery code.', maxLength: 64 };
const answers = {
  200: htmlResponse('The next page: the QR code, the recovery codes, or the account page saying what changed.'),
  400: htmlResponse('A wrong password or code, or a state that does not allow it: the account page saying so.'),
};

function pageRoute(summary: string, description: string, fields: Record<string, { description: string; maxLength?: number }>): RouteSchema {
  return { summary, description, tags: ['pages'], security: requires('sessionCookie'), requestBody: formBody(summary, fields, Object.keys(fields)), response: answers };
}

export const startTotpFormRoute = pageRoute('Turn on an authenticator app', 'With the password: a page with the QR code and the secret, and a form for the first code.', { csrf, mfa_password: password });
export const confirmTotpFormRoute = pageRoute('Confirm the authenticator app', 'A first code turns TOTP on; the page shows ten recovery codes once.', { csrf, code });
export const disableTotpFormRoute = pageRoute('Turn off the authenticator app', 'With the password and a code.', { csrf, off_password: password, code });
export const recoveryCodesFormRoute = pageRoute('Make new recovery codes', 'With the password and a code; the old codes stop working.', { csrf, codes_password: password, code });

/** The second-factor section of the account page. */
export function secondFactorSection(status: SecondFactorStatus, csrfToken: string): SafeHtml {
  if (!status.totp) {
    return html`<section><h2>Second factor</h2><p>Off. Add an authenticator app so that your password alone cannot sign in.</p>
<form method="post" action="/account/mfa/totp">${csrfField(csrfToken)}${passwordInput('mfa_password', 'Current password', 'current-password')}<button type="submit">Turn on an authenticator app</button></form></section>`;
  }
  const proof = (prefix: string) => html`${passwordInput(`${prefix}_password`, 'Current password', 'current-password')}<label for="${prefix}_code">Code</label><input id="${prefix}_code" name="code" required autocomplete="one-time-code" maxlength="64">`;
  return html`<section><h2>Second factor</h2><p>On: an authenticator app. ${String(status.recoveryCodesLeft)} recovery codes left.</p>
<form method="post" action="/account/mfa/recovery-codes">${csrfField(csrfToken)}${proof('codes')}<button type="submit">Make new recovery codes</button></form>
<form method="post" action="/account/mfa/totp/disable">${csrfField(csrfToken)}${proof('off')}<button type="submit">Turn off the authenticator app</button></form></section>`;
}

/** The page that shows new recovery codes once. */
export function recoveryCodesPage(codes: string[], notice: Notice): SafeHtml {
  return page(
    'Your recovery codes',
    html`<p>Keep these codes somewhere safe. Each signs you in once if you lose your device. They are shown only now.</p>
<ul class="codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul><nav><a href="/account">Back to your account</a></nav>`,
    notice,
  );
}

async function enrolmentPage(visitor: Visitor, secret: string, uri: string, notice?: Notice): Promise<SafeHtml> {
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return page(
    'Add an authenticator app',
    html`<p>Scan this code with your authenticator app, or type the key below, then enter the code it shows.</p>
<div style="max-width:14rem">${new SafeHtml(svg)}</div>
<dl><dt>Key</dt><dd><code>${secret}</code></dd></dl>
<form method="post" action="/account/mfa/totp/confirm">${csrfField(visitor.csrfToken)}<label for="code">Code from the app</label><input id="code" name="code" required autocomplete="one-time-code" inputmode="numeric" maxlength="64" autofocus>
<button type="submit">Turn on</button></form><nav><a href="/account">Cancel</a></nav>`,
    notice,
  );
}

/** Registers the /account/mfa/* and /account/app-passwords* forms; `show` renders the account page with a notice. Resolves to the form helpers (for the passkey forms). */
export function registerSecondFactorPages(app: FastifyInstance, deps: PagesDeps, show: ShowAccount): FactorForms {
  const mfa = deps.service.secondFactor;

  /** The visitor of a logged-in form, its CSRF token checked; null: not logged in (the caller redirects). */
  async function formVisitor(req: FastifyRequest): Promise<Visitor | null> {
    const visitor = await currentVisitor(deps, req);
    if (visitor !== null) assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    return visitor;
  }

  /** Runs a change; a refused proof or state shows the account page with the reason (400). */
  async function attempt(reply: FastifyReply, visitor: Visitor, change: () => Promise<FastifyReply>): Promise<FastifyReply> {
    try {
      return await change();
    } catch (err) {
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return show(reply, 400, visitor, { kind: 'error', text: 'The password or the code is not correct.' });
      if (isAuthError(err, 'INVALID_INPUT') || isAuthError(err, 'NOT_FOUND')) return show(reply, 400, visitor, { kind: 'error', text: sentence(err.message) });
      throw err;
    }
  }

  const forms: FactorForms = { deps, formVisitor, attempt, show };
  registerAppPasswordPages(app, forms);

  app.post('/account/mfa/totp', { schema: startTotpFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(reply, visitor, async () => {
      const enrolment = await mfa.startTotpEnrolment(visitor.account.id, { password: formField(req, 'mfa_password') }, clientContext(req));
      return sendPage(reply, 200, await enrolmentPage(visitor, enrolment.secret, enrolment.uri));
    });
  });

  app.post('/account/mfa/totp/confirm', { schema: confirmTotpFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(reply, visitor, async () => {
      const codes = await mfa.confirmTotpEnrolment(visitor.account.id, formField(req, 'code', 64), clientContext(req));
      return sendPage(reply, 200, recoveryCodesPage(codes, { kind: 'ok', text: 'The authenticator app is on.' }));
    });
  });

  app.post('/account/mfa/totp/disable', { schema: disableTotpFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(reply, visitor, async () => {
      await mfa.disableTotp(visitor.account.id, { password: formField(req, 'off_password'), code: formField(req, 'code', 64) }, clientContext(req));
      return show(reply, 200, visitor, { kind: 'ok', text: 'The authenticator app is off.' });
    });
  });

  app.post('/account/mfa/recovery-codes', { schema: recoveryCodesFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(reply, visitor, async () => {
      const codes = await mfa.regenerateRecoveryCodes(visitor.account.id, readOwnerProof(req, 'codes_password'), clientContext(req));
      return sendPage(reply, 200, recoveryCodesPage(codes, { kind: 'ok', text: 'New recovery codes are ready; the old ones no longer work.' }));
    });
  });
  return forms;
}
