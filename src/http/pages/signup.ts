/**
 * /signup: sign-up with only an email address. The answer is the same page whether or not the
 * address already has an account (the core emails its owner a notice instead).
 */
import type { FastifyInstance } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, issueFormToken } from '../csrf.js';
import { formReturnTo, queryReturnTo, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { html } from './html.js';
import { csrfField, page, returnToField, sendPage, type Notice } from './layout.js';
import { returnToQuery } from '../return-to.js';
import { signupFormRoute, signupPageRoute } from './schemas.js';

function signupPage(csrf: string, email: string, back: string | null, notice?: Notice) {
  return page(
    'Create an account',
    html`<form method="post" action="/signup">${csrfField(csrf)}${returnToField(back)}
<label for="email">Email address</label><input id="email" name="email" type="email" required autocomplete="email" value="${email}" maxlength="320">
<button type="submit">Send me a link</button></form>
<nav><a href="/login${returnToQuery(back)}">I already have an account</a></nav>`,
    notice,
  );
}

/** Registers GET/POST /signup. */
export function registerSignupPages(app: FastifyInstance, deps: PagesDeps): void {
  app.get('/signup', { schema: signupPageRoute }, async (req, reply) =>
    sendPage(reply, 200, signupPage(issueFormToken(req, reply, deps.settings), '', queryReturnTo(deps, req))),
  );

  app.post('/signup', { schema: signupFormRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const email = formField(req, 'email', 320);
    const back = formReturnTo(deps, req);
    try {
      await deps.service.signUpWithEmail({ email, ...(back === null ? {} : { returnTo: back }) }, clientContext(req));
    } catch (err) {
      if (!isAuthError(err, 'INVALID_INPUT')) throw err;
      const notice: Notice = { kind: 'error', text: 'Please enter a valid email address.' };
      return sendPage(reply, 400, signupPage(issueFormToken(req, reply, deps.settings), email, back, notice));
    }
    const done = html`<p>If this address can be used, we have sent a link to it. Open the link to choose your password.</p>
<nav><a href="/login${returnToQuery(back)}">Log in</a></nav>`;
    return sendPage(reply, 200, page('Check your email', done));
  });
}
