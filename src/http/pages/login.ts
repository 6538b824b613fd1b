/**
 * /login and /logout: the password login form (it sets the same cookies as the cookie-session
 * API) and the logout button's target. Login failures re-render the form with one generic
 * message and 401, whatever the cause.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { isMfaRequired } from '../../core/mfa/errors.js';
import { clearSessionCookies, readSessionCookie, setSessionCookies } from '../cookies.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, assertNotCrossSite, assertSessionCsrf, issueFormToken } from '../csrf.js';
import type { PagesContext } from './context.js';
import { formField } from './form-body.js';
import { registerSecondStepPage, sendSecondStepPage } from './login-mfa.js';
import { html } from './html.js';
import { csrfField, page, passwordInput, sendPage, type Notice } from './layout.js';
import { loginFormRoute, loginPageRoute, logoutFormRoute } from './schemas.js';

function loginPage(csrf: string, username: string, notice?: Notice) {
  return page(
    'Log in',
    html`<form method="post" action="/login">${csrfField(csrf)}
<label for="username">Username or email</label><input id="username" name="username" required autocomplete="username" value="${username}" maxlength="320">
${passwordInput('password', 'Password', 'current-password')}
<button type="submit">Log in</button></form>
<nav><a href="/reset">Forgot your password?</a> · <a href="/signup">Create an account</a></nav>`,
    notice,
  );
}

/** Registers GET/POST /login, the second step (POST /login/mfa) and POST /logout. */
export function registerLoginPages(app: FastifyInstance, ctx: PagesContext): void {
  registerSecondStepPage(app, ctx, (csrf, notice) => loginPage(csrf, '', notice));

  app.get('/login', { schema: loginPageRoute }, async (req, reply) => sendPage(reply, 200, loginPage(issueFormToken(req, reply, ctx.settings), '')));

  app.post('/login', { schema: loginFormRoute }, async (req: FastifyRequest, reply: FastifyReply) => {
    assertFormToken(req, ctx.settings, formField(req, 'csrf'));
    const username = formField(req, 'username', 320);
    try {
      const result = await ctx.service.loginForCookie(username, formField(req, 'password'), clientContext(req));
      setSessionCookies(reply, ctx.settings, result);
      return reply.redirect('/account', 303);
    } catch (err) {
      if (isMfaRequired(err)) return sendSecondStepPage(req, reply, ctx, err);
      if (!isAuthError(err, 'INVALID_CREDENTIALS')) throw err;
      const notice: Notice = { kind: 'error', text: 'Invalid username or password.' };
      return sendPage(reply, 401, loginPage(issueFormToken(req, reply, ctx.settings), username, notice));
    }
  });

  // Refused (403, audited) or the session ends: never cookies cleared while the session lives on.
  // A cross-site post is refused even without cookies; the session's own token must be in the
  // form (the csrftoken cookie is not needed for that); an outage throws (503), cookies untouched.
  app.post('/logout', { schema: logoutFormRoute }, async (req, reply) => {
    assertNotCrossSite(req, ctx.settings);
    const secret = readSessionCookie(req, ctx.settings);
    const live = secret === null ? null : await ctx.service.resolveCookieSession(secret);
    if (secret !== null && live !== null) {
      assertSessionCsrf(req, { service: ctx.service, settings: ctx.settings, sessionId: live.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
      await ctx.service.logoutCookieSession(secret, clientContext(req));
    }
    clearSessionCookies(reply, ctx.settings);
    return reply.redirect('/login', 303);
  });
}
