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
import { finishSignedIn, formReturnTo, queryReturnTo, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { registerSecondStepPage, secondStepPage, sendSecondStepPage } from './login-mfa.js';
import { passkeySignInForm, registerPasskeyLoginPages } from './passkey-login.js';
import { html } from './html.js';
import { csrfField, page, passwordInput, returnToField, sendPage, type Notice } from './layout.js';
import { returnToQuery } from '../return-to.js';
import { loginFormRoute, loginPageRoute, logoutFormRoute } from './schemas.js';

function loginPage(csrf: string, username: string, back: string | null, notice?: Notice) {
  const keep = returnToQuery(back);
  return page(
    'Log in',
    html`<form method="post" action="/login">${csrfField(csrf)}${returnToField(back)}
<label for="username">Username or email</label><input id="username" name="username" required autocomplete="username" value="${username}" maxlength="320">
${passwordInput('password', 'Password', 'current-password')}
<button type="submit">Log in</button></form>
${passkeySignInForm(csrf, back)}
<nav><a href="/reset${keep}">Forgot your password?</a> · <a href="/signup${keep}">Create an account</a></nav>`,
    notice,
  );
}

/** Registers GET/POST /login, the second step (POST /login/mfa) and POST /logout. */
export function registerLoginPages(app: FastifyInstance, deps: PagesDeps): void {
  registerSecondStepPage(app, deps, (csrf, notice) => loginPage(csrf, '', null, notice));
  registerPasskeyLoginPages(app, deps, (csrf, back, notice) => loginPage(csrf, '', back, notice), (csrf, token, back, notice) => secondStepPage(csrf, token, notice, { passkey: true, back }));

  app.get('/login', { schema: loginPageRoute }, async (req, reply) =>
    sendPage(reply, 200, loginPage(issueFormToken(req, reply, deps.settings), '', queryReturnTo(deps, req))),
  );

  app.post('/login', { schema: loginFormRoute }, async (req: FastifyRequest, reply: FastifyReply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const username = formField(req, 'username', 320);
    try {
      const result = await deps.service.loginForPage(username, formField(req, 'password'), clientContext(req));
      // REQUIRE_MFA: an account without a factor goes to enrol one before anything else (require-mfa.ts).
      return finishSignedIn(deps, reply, result, result.enrolmentRequired ? null : formReturnTo(deps, req));
    } catch (err) {
      if (isMfaRequired(err)) return sendSecondStepPage(req, reply, deps, err);
      if (!isAuthError(err, 'INVALID_CREDENTIALS')) throw err;
      const notice: Notice = { kind: 'error', text: 'Invalid username or password.' };
      return sendPage(reply, 401, loginPage(issueFormToken(req, reply, deps.settings), username, formReturnTo(deps, req), notice));
    }
  });

  // Refused (403, audited) or the session ends: never cookies cleared while the session lives on.
  // A cross-site post is refused even without cookies; the session's own token must be in the
  // form (the csrftoken cookie is not needed for that); an outage throws (503), cookies untouched.
  app.post('/logout', { schema: logoutFormRoute }, async (req, reply) => {
    assertNotCrossSite(req, deps.settings);
    const secret = readSessionCookie(req, deps.settings);
    const live = secret === null ? null : await deps.service.resolveCookieSession(secret);
    if (secret !== null && live !== null) {
      assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: live.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
      await deps.service.logoutCookieSession(secret, clientContext(req));
    }
    clearSessionCookies(reply, deps.settings);
    return reply.redirect('/login', 303);
  });
}
