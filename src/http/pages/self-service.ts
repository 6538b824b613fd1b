/**
 * The self-service pages beside /account: change the email (current password; a link to the new
 * address, src/core/accounts/change-email.ts), the email-change link's landing page (a button:
 * a GET changes nothing), delete the account behind a confirmation step with the current
 * password, and a page to ask for a new confirmation link. Logged-in forms carry the session's
 * CSRF token; anonymous ones the form token (csrf.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clearSessionCookies } from '../cookies.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, assertSessionCsrf, issueFormToken } from '../csrf.js';
import { currentVisitor, formReturnTo, queryReturnTo, queryToken, type PagesDeps, type Visitor } from './context.js';
import { formField } from './form-body.js';
import { html } from './html.js';
import { csrfField, page, passwordInput, returnToField, sendPage, type Notice } from './layout.js';
import {
  changeEmailFormRoute,
  deleteFormRoute,
  deletePageRoute,
  emailConfirmFormRoute,
  emailConfirmPageRoute,
  resendPageRoute,
} from './self-service-schemas.js';

const BACK = html`<nav><a href="/account">Back to your account</a></nav>`;
const isBadLink = (err: unknown): boolean => isAuthError(err, 'INVALID_TOKEN') || isAuthError(err, 'INVALID_INPUT');

function deletePage(visitor: Visitor, notice?: Notice) {
  return page(
    'Delete your account',
    html`<p>This deletes <strong>${visitor.account.email ?? visitor.account.username ?? visitor.account.id}</strong> at once: every session on every device ends and the account cannot be restored.</p>
<form method="post" action="/account/delete">${csrfField(visitor.csrfToken)}
${passwordInput('current_password', 'Your current password', 'current-password')}
<button type="submit">Delete my account for good</button></form>${BACK}`,
    notice,
  );
}

/** The logged-in visitor with a valid session CSRF token in the form, or null (the caller redirects to /login). */
async function postingVisitor(deps: PagesDeps, req: FastifyRequest): Promise<Visitor | null> {
  const visitor = await currentVisitor(deps, req);
  if (visitor !== null) assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
  return visitor;
}

/** Registers POST /account/email, GET/POST /email/confirm, GET/POST /account/delete and GET /confirm/resend. */
export function registerSelfServicePages(app: FastifyInstance, deps: PagesDeps): void {
  const badLink = (reply: FastifyReply) => sendPage(reply, 400, page('This link cannot be used', html`<p>The link has expired, has already been used, or is not complete.</p>${BACK}`));

  app.post('/account/email', { schema: changeEmailFormRoute }, async (req, reply) => {
    const visitor = await postingVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    const email = formField(req, 'email', 320);
    try {
      await deps.service.requestEmailChange(visitor.account.id, formField(req, 'current_password'), email, clientContext(req));
    } catch (err) {
      const text = isAuthError(err, 'INVALID_CREDENTIALS') ? 'Your current password is not correct.' : isAuthError(err, 'INVALID_INPUT') ? 'Please enter a new, valid email address.' : null;
      if (text === null) throw err;
      return sendPage(reply, 400, page('Change your email', BACK, { kind: 'error', text }));
    }
    const done = html`<p>If this address can be used, we have sent it a link. Your email changes when you open it; until then, keep using the current one.</p>${BACK}`;
    return sendPage(reply, 200, page('Check your new inbox', done));
  });

  app.get('/email/confirm', { schema: emailConfirmPageRoute }, async (req, reply) => {
    const token = queryToken(req);
    try {
      const { email } = await deps.service.checkEmailChangeToken(token, clientContext(req));
      const form = html`<p>Use <strong>${email}</strong> as the email address of your account?</p>
<form method="post" action="/email/confirm">${csrfField(issueFormToken(req, reply, deps.settings))}${returnToField(queryReturnTo(deps, req))}<input type="hidden" name="token" value="${token}">
<button type="submit">Use this address</button></form>`;
      return sendPage(reply, 200, page('Confirm your new email', form));
    } catch (err) {
      if (isBadLink(err)) return badLink(reply);
      throw err;
    }
  });

  app.post('/email/confirm', { schema: emailConfirmFormRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    try {
      const account = await deps.service.confirmEmailChange(formField(req, 'token', 200), clientContext(req));
      const back = formReturnTo(deps, req); // the allowed return_to the emailed link carried
      const nav = back === null ? BACK : html`<nav><a href="${back}">Back to the app</a></nav>`;
      return sendPage(reply, 200, page('Your email address has changed', html`<p class="ok">You now log in with <strong>${account.email ?? ''}</strong>.</p>${nav}`));
    } catch (err) {
      if (isBadLink(err)) return badLink(reply);
      throw err;
    }
  });

  app.get('/account/delete', { schema: deletePageRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    return sendPage(reply, 200, deletePage(visitor));
  });

  app.post('/account/delete', { schema: deleteFormRoute }, async (req, reply) => {
    const visitor = await postingVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    try {
      await deps.service.deleteOwnAccount(visitor.account.id, formField(req, 'current_password'), clientContext(req));
    } catch (err) {
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return sendPage(reply, 400, deletePage(visitor, { kind: 'error', text: 'Your current password is not correct.' }));
      throw err;
    }
    clearSessionCookies(reply, deps.settings);
    return sendPage(reply, 200, page('Your account has been deleted', html`<p class="ok">Your account and all its sessions are gone.</p><nav><a href="/signup">Create an account</a></nav>`));
  });

  app.get('/confirm/resend', { schema: resendPageRoute }, async (req, reply) => {
    const form = html`<p>Your confirmation link expired or got lost? Ask for a new one:</p>
<form method="post" action="/confirm/resend">${csrfField(issueFormToken(req, reply, deps.settings))}${returnToField(queryReturnTo(deps, req))}
<label for="email">Email address</label><input id="email" name="email" type="email" required autocomplete="email" maxlength="320">
<button type="submit">Send a new link</button></form>`;
    return sendPage(reply, 200, page('Send a new confirmation link', form));
  });
}
