/**
 * /reset: "forgot my password". Without a token, a form asking for the username or email whose
 * answer is the same page for any input (no account enumeration). With a token from the email,
 * a new-password form; posting it to /reset/complete sets the password (the core revokes every
 * session) and tells the visitor to log in. The page sends no Referer, so the token stays here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, issueFormToken } from '../csrf.js';
import { formReturnTo, queryReturnTo, queryToken, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { html } from './html.js';
import { csrfField, page, passwordInput, returnToField, sendPage, type Notice } from './layout.js';
import { returnToQuery } from '../return-to.js';
import { postTokenForm, type TokenForm } from './token-form.js';
import { resetCompleteFormRoute, resetPageRoute, resetRequestFormRoute } from './schemas.js';

function requestPage(csrf: string, back: string | null, notice?: Notice) {
  return page(
    'Reset your password',
    html`<form method="post" action="/reset">${csrfField(csrf)}${returnToField(back)}
<label for="identifier">Username or email</label><input id="identifier" name="identifier" required autocomplete="username" maxlength="320">
<button type="submit">Email me a link</button></form><nav><a href="/login${returnToQuery(back)}">Back to log in</a></nav>`,
    notice,
  );
}

function newPasswordPage(csrf: string, token: string, email: string, back: string | null, notice?: Notice) {
  return page(
    'Choose a new password',
    html`<p>Account: <strong>${email}</strong></p>
<form method="post" action="/reset/complete">${csrfField(csrf)}${returnToField(back)}<input type="hidden" name="token" value="${token}">
${passwordInput('password', 'New password', 'new-password')}
${passwordInput('password_confirm', 'Repeat the password', 'new-password')}
<button type="submit">Change password</button></form>`,
    notice,
  );
}

const BAD_LINK: Notice = { kind: 'error', text: 'This reset link has expired or has already been used. Ask for a new one below.' };
const isBadToken = (err: unknown): boolean =>
  isAuthError(err, 'INVALID_TOKEN') || isAuthError(err, 'TOKEN_REUSED') || isAuthError(err, 'INVALID_INPUT');

/** Registers GET/POST /reset and POST /reset/complete. */
export function registerResetPages(app: FastifyInstance, deps: PagesDeps): void {
  const badLink = (req: FastifyRequest, reply: FastifyReply, back: string | null) =>
    sendPage(reply, 400, requestPage(issueFormToken(req, reply, deps.settings), back, BAD_LINK));

  app.get('/reset', { schema: resetPageRoute }, async (req, reply) => {
    const token = queryToken(req);
    const back = queryReturnTo(deps, req);
    if (!('token' in (req.query as object))) return sendPage(reply, 200, requestPage(issueFormToken(req, reply, deps.settings), back));
    try {
      const { email } = await deps.service.checkResetToken(token, clientContext(req));
      return sendPage(reply, 200, newPasswordPage(issueFormToken(req, reply, deps.settings), token, email, back));
    } catch (err) {
      if (isBadToken(err)) return badLink(req, reply, back);
      throw err;
    }
  });

  app.post('/reset', { schema: resetRequestFormRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const back = formReturnTo(deps, req);
    const options = back === null ? {} : { returnTo: back };
    await deps.service.requestPasswordReset(formField(req, 'identifier', 320), clientContext(req), options).catch((err: unknown) => {
      if (!isAuthError(err, 'INVALID_INPUT')) throw err; // same answer for any input
    });
    return sendPage(reply, 200, page('Check your email', html`<p>If an account matches, we have sent it a link to choose a new password.</p>`));
  });

  const form: TokenForm = {
    check: (token, client) => deps.service.checkResetToken(token, client),
    complete: (token, password, client) => deps.service.resetAndSignIn(token, password, client),
    formPage: newPasswordPage,
    // Every older session has ended; signed in anew unless LOGIN_AFTER_LINK=false, which shows this page.
    donePage: (back) => page('Password changed', html`<p class="ok">Your password has been changed. Please log in with it.</p><nav><a href="/login${returnToQuery(back)}">Log in</a></nav>`),
    badLink,
    isBadToken,
  };

  app.post('/reset/complete', { schema: resetCompleteFormRoute }, async (req, reply) => postTokenForm(req, reply, deps, form));
}
