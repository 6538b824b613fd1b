/**
 * /confirm: the landing page of the confirmation email. A usable link shows a "choose a
 * password" form; posting it sets the password and activates the account. A used, expired or
 * tampered link gets one clear page (400) with a form asking for a new link, which answers the
 * same for any address. The token travels only in the link and the form body, and the page
 * sends no Referer.
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
import { confirmFormRoute, confirmPageRoute, confirmResendRoute } from './schemas.js';

function choosePasswordPage(csrf: string, token: string, email: string, back: string | null, notice?: Notice) {
  return page(
    'Choose your password',
    html`<p>Account: <strong>${email}</strong></p>
<form method="post" action="/confirm">${csrfField(csrf)}${returnToField(back)}<input type="hidden" name="token" value="${token}">
${passwordInput('password', 'New password', 'new-password')}
${passwordInput('password_confirm', 'Repeat the password', 'new-password')}
<button type="submit">Set password</button></form>`,
    notice,
  );
}

function badLinkPage(csrf: string, back: string | null) {
  return page(
    'This link cannot be used',
    html`<p>The link has expired, has already been used, or is not complete. Ask for a new one:</p>
<form method="post" action="/confirm/resend">${csrfField(csrf)}${returnToField(back)}
<label for="email">Email address</label><input id="email" name="email" type="email" required autocomplete="email" maxlength="320">
<button type="submit">Send a new link</button></form>`,
    { kind: 'error', text: 'This confirmation link is not valid any more.' },
  );
}

const isBadToken = (err: unknown): boolean => isAuthError(err, 'INVALID_TOKEN') || isAuthError(err, 'TOKEN_REUSED');

/** Registers GET/POST /confirm and POST /confirm/resend. */
export function registerConfirmPages(app: FastifyInstance, deps: PagesDeps): void {
  const badLink = (req: FastifyRequest, reply: FastifyReply, back: string | null) =>
    sendPage(reply, 400, badLinkPage(issueFormToken(req, reply, deps.settings), back));

  app.get('/confirm', { schema: confirmPageRoute }, async (req, reply) => {
    const token = queryToken(req);
    const back = queryReturnTo(deps, req);
    try {
      const { email } = await deps.service.checkConfirmToken(token, clientContext(req));
      return sendPage(reply, 200, choosePasswordPage(issueFormToken(req, reply, deps.settings), token, email, back));
    } catch (err) {
      if (isBadToken(err) || isAuthError(err, 'INVALID_INPUT')) return badLink(req, reply, back);
      throw err;
    }
  });

  const form: TokenForm = {
    check: (token, client) => deps.service.checkConfirmToken(token, client),
    complete: (token, password, client) => deps.service.confirmAndSignIn(token, password, client),
    formPage: choosePasswordPage,
    donePage: (back) => page('Your account is ready', html`<p class="ok">Your password is set and your account is active.</p><nav><a href="/login${returnToQuery(back)}">Log in</a></nav>`),
    badLink,
    isBadToken,
  };

  app.post('/confirm', { schema: confirmFormRoute }, async (req, reply) => postTokenForm(req, reply, deps, form));

  app.post('/confirm/resend', { schema: confirmResendRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const back = formReturnTo(deps, req);
    const options = back === null ? {} : { returnTo: back };
    await deps.service.resendConfirmation(formField(req, 'email', 320), clientContext(req), options).catch((err: unknown) => {
      if (!isAuthError(err, 'INVALID_INPUT')) throw err; // same answer for any input
    });
    return sendPage(reply, 200, page('Check your email', html`<p>If this address has an account waiting for confirmation, we have sent it a new link.</p>`));
  });
}
