/**
 * The self-service pages beside /account: change the email (current password; a link to the new
 * address, src/core/accounts/change-email.ts), the email-change link's landing page (a button:
 * a GET changes nothing), delete the account behind a confirmation step with the current
 * password and a ticked confirmation box, and a page to ask for a new confirmation link. Logged-in forms carry the session's
 * CSRF token; anonymous ones the form token (csrf.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clearSessionCookies } from '../cookies.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, assertSessionCsrf, issueFormToken } from '../csrf.js';
import { showAccount } from './account.js';
import { currentVisitor, formReturnTo, queryReturnTo, queryToken, view, type PagesDeps, type Visitor } from './context.js';
import { confirmed } from './factor-forms.js';
import { formField } from './form-body.js';
import type { FieldErrors } from './view.js';
import {
  changeEmailFormRoute,
  deleteFormRoute,
  deletePageRoute,
  emailConfirmFormRoute,
  emailConfirmPageRoute,
  resendPageRoute,
} from './self-service-schemas.js';

const isBadLink = (err: unknown): boolean => isAuthError(err, 'INVALID_TOKEN') || isAuthError(err, 'INVALID_INPUT');

/** The step before deleting: who is deleted, the password, the confirmation box. */
function sendDeletePage(deps: PagesDeps, req: FastifyRequest, reply: FastifyReply, status: number, visitor: Visitor, errors?: FieldErrors): FastifyReply {
  const who = visitor.account.email ?? visitor.account.username ?? '';
  return view(deps, req, reply).send(status, 'delete-account', { csrf: visitor.csrfToken, who, errors });
}

/** The logged-in visitor with a valid session CSRF token in the form, or null (the caller redirects to /login). */
async function postingVisitor(deps: PagesDeps, req: FastifyRequest): Promise<Visitor | null> {
  const visitor = await currentVisitor(deps, req);
  if (visitor !== null) assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
  return visitor;
}

/** Registers POST /account/email, GET/POST /email/confirm, GET/POST /account/delete and GET /confirm/resend. */
export function registerSelfServicePages(app: FastifyInstance, deps: PagesDeps): void {
  const badLink = (req: FastifyRequest, reply: FastifyReply) => view(deps, req, reply).send(400, 'link-invalid');

  app.post('/account/email', { schema: changeEmailFormRoute }, async (req, reply) => {
    const visitor = await postingVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    const email = formField(req, 'email', 320);
    const { t } = view(deps, req, reply);
    try {
      await deps.service.requestEmailChange(visitor.account.id, formField(req, 'current_password'), email, clientContext(req));
    } catch (err) {
      const errors: FieldErrors | null = isAuthError(err, 'INVALID_CREDENTIALS')
        ? { email_current_password: t('password.wrong_current') }
        : isAuthError(err, 'INVALID_INPUT')
          ? { new_email: err.message.includes('already your email') ? t('account.email_same') : t('account.email_invalid') }
          : null;
      if (errors === null) throw err;
      return showAccount(deps, req, reply, 400, visitor, { errors, newEmail: email });
    }
    return view(deps, req, reply).send(200, 'email-sent');
  });

  app.get('/email/confirm', { schema: emailConfirmPageRoute }, async (req, reply) => {
    const token = queryToken(req);
    try {
      const { email } = await deps.service.checkEmailChangeToken(token, clientContext(req));
      return view(deps, req, reply).send(200, 'email-confirm', { csrf: issueFormToken(req, reply, deps.settings), back: queryReturnTo(deps, req), token, email });
    } catch (err) {
      if (isBadLink(err)) return badLink(req, reply);
      throw err;
    }
  });

  app.post('/email/confirm', { schema: emailConfirmFormRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    try {
      const account = await deps.service.confirmEmailChange(formField(req, 'token', 200), clientContext(req));
      // The allowed return_to the emailed link carried.
      return view(deps, req, reply).send(200, 'email-changed', { email: account.email ?? '', back: formReturnTo(deps, req) });
    } catch (err) {
      if (isBadLink(err)) return badLink(req, reply);
      throw err;
    }
  });

  app.get('/account/delete', { schema: deletePageRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    return sendDeletePage(deps, req, reply, 200, visitor);
  });

  app.post('/account/delete', { schema: deleteFormRoute }, async (req, reply) => {
    const visitor = await postingVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    const { t } = view(deps, req, reply);
    if (!confirmed(req)) return sendDeletePage(deps, req, reply, 400, visitor, { delete_confirm: t('fields.required_hint') });
    try {
      await deps.service.deleteOwnAccount(visitor.account.id, formField(req, 'current_password'), clientContext(req));
    } catch (err) {
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return sendDeletePage(deps, req, reply, 400, visitor, { current_password: t('password.wrong_current') });
      throw err;
    }
    clearSessionCookies(reply, deps.settings);
    return view(deps, req, reply).send(200, 'account-deleted');
  });

  app.get('/confirm/resend', { schema: resendPageRoute }, async (req, reply) =>
    view(deps, req, reply).send(200, 'confirm-resend', { csrf: issueFormToken(req, reply, deps.settings), back: queryReturnTo(deps, req) }),
  );
}
