/**
 * The second factor on /account (docs/security.md, "Second factor"): its state, and forms to turn
 * an authenticator app (TOTP) on, to turn it off and to make new recovery codes. Every change
 * needs the password (and a code when a factor is on) in the same form: the core checks it
 * (src/core/mfa/owner-proof.ts). Enrolment shows the QR code as inline SVG rendered here on the
 * server (`qrcode`; nothing is fetched from another site, and the page's CSP allows no script)
 * and the secret as text; it is on once a first code confirms it. Recovery codes are shown once.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { assertSessionCsrf } from '../csrf.js';
import { formBody, htmlResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { currentVisitor, view, type PagesDeps, type Visitor } from './context.js';
import { registerAppPasswordPages } from './app-passwords.js';
import { confirmed, readOwnerProof, type FactorForms, type ShowAccount } from './factor-forms.js';
import { formField } from './form-body.js';
import { problemText } from './messages.js';

const csrf = { description: 'The session’s CSRF token (hidden field).' };
const password = { description: 'The current password.' };
const code = { description: 'A six-digit code from the authenticator app, or a recovery code.', maxLength: 64 };
const confirm = { description: '`yes`: the box that confirms a destructive action, ticked (else 400).', maxLength: 3 };
const answers = {
  200: htmlResponse('The next page: the QR code, the recovery codes, or the account page saying what changed.'),
  400: htmlResponse('A wrong password or code, or a state that does not allow it: the account page saying so.'),
};

function pageRoute(summary: string, description: string, fields: Record<string, { description: string; maxLength?: number }>): RouteSchema {
  return { summary, description, tags: ['pages'], security: requires('sessionCookie'), requestBody: formBody(summary, fields, Object.keys(fields)), response: answers };
}

export const startTotpFormRoute = pageRoute('Turn on an authenticator app', 'With the password: a page with the QR code and the secret, and a form for the first code.', { csrf, mfa_password: password });
export const confirmTotpFormRoute = pageRoute('Confirm the authenticator app', 'A first code turns TOTP on; the page shows ten recovery codes once.', { csrf, code });
export const disableTotpFormRoute = pageRoute('Turn off the authenticator app', 'With the password, a code and the confirmation box ticked.', { csrf, off_password: password, code, confirm });
export const recoveryCodesFormRoute = pageRoute('Make new recovery codes', 'With the password and a code (or, with a passkey, its assertion in `passkey_proof`); the old codes stop working.', { csrf, codes_password: password, code, passkey_proof: { description: 'A passkey’s assertion (JSON, filled in by the page’s script) instead of a code.', maxLength: 16384 } });

/** Registers the /account/mfa/* and /account/app-passwords* forms; `show` renders the account page with a notice or field errors. Resolves to the form helpers (for the passkey forms). */
export function registerSecondFactorPages(app: FastifyInstance, deps: PagesDeps, show: ShowAccount): FactorForms {
  const mfa = deps.service.secondFactor;

  /** The visitor of a logged-in form, its CSRF token checked; null: not logged in (the caller redirects). */
  async function formVisitor(req: FastifyRequest): Promise<Visitor | null> {
    const visitor = await currentVisitor(deps, req);
    if (visitor !== null) assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    return visitor;
  }

  /** Runs a change; a refused proof or state shows the account page with the reason (400) on the form's field. */
  const attempt: FactorForms['attempt'] = async (req, reply, visitor, fields, change) => {
    try {
      return await change();
    } catch (err) {
      const { t } = view(deps, req, reply);
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return show(req, reply, 400, visitor, { ...fields.keep, errors: { [fields.field]: t('mfa.wrong') } });
      if (isAuthError(err, 'INVALID_INPUT') || isAuthError(err, 'NOT_FOUND')) {
        const field = isAuthError(err, 'INVALID_INPUT') && err.field === 'name' && fields.inputField ? fields.inputField : fields.field;
        return show(req, reply, 400, visitor, { ...fields.keep, errors: { [field]: problemText(err, t) } });
      }
      throw err;
    }
  };

  const forms: FactorForms = { deps, formVisitor, attempt, show };
  registerAppPasswordPages(app, forms);

  app.post('/account/mfa/totp', { schema: startTotpFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(req, reply, visitor, { field: 'mfa_password' }, async () => {
      const enrolment = await mfa.startTotpEnrolment(visitor.account.id, { password: formField(req, 'mfa_password') }, clientContext(req));
      // Loaded on the first enrolment, not at start-up (memory: docs/decisions.md, "What is not configured is not loaded").
      const { default: QRCode } = await import('qrcode');
      const qr = await QRCode.toString(enrolment.uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      return view(deps, req, reply).send(200, 'totp-enrol', { csrf: visitor.csrfToken, qr, secret: enrolment.secret });
    });
  });

  app.post('/account/mfa/totp/confirm', { schema: confirmTotpFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(req, reply, visitor, { field: 'mfa_password' }, async () => {
      const codes = await mfa.confirmTotpEnrolment(visitor.account.id, formField(req, 'code', 64), clientContext(req));
      const page = view(deps, req, reply);
      return page.send(200, 'recovery-codes', { codes, notice: { kind: 'ok', text: page.t('mfa.is_on') } });
    });
  });

  app.post('/account/mfa/totp/disable', { schema: disableTotpFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    const { t } = view(deps, req, reply);
    if (!confirmed(req)) return show(req, reply, 400, visitor, { errors: { off_confirm: t('fields.required_hint') } });
    return attempt(req, reply, visitor, { field: 'off_password' }, async () => {
      await mfa.disableTotp(visitor.account.id, { password: formField(req, 'off_password'), code: formField(req, 'code', 64) }, clientContext(req));
      return show(req, reply, 200, visitor, { notice: { kind: 'ok', text: t('mfa.is_off') } });
    });
  });

  app.post('/account/mfa/recovery-codes', { schema: recoveryCodesFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(req, reply, visitor, { field: 'codes_password' }, async () => {
      const codes = await mfa.regenerateRecoveryCodes(visitor.account.id, readOwnerProof(req, 'codes_password'), clientContext(req));
      const page = view(deps, req, reply);
      return page.send(200, 'recovery-codes', { codes, notice: { kind: 'ok', text: page.t('mfa.codes_ready') } });
    });
  });
  return forms;
}
