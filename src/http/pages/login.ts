/**
 * /login and /logout: the password login form (it sets the same cookies as the cookie-session
 * API) and the logout button's target. Login failures re-render the form with one generic
 * message and 401, whatever the cause.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { isMfaRequired } from '../../core/mfa/errors.js';
import { clearSessionCookies, readSessionCookie } from '../cookies.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, assertNotCrossSite, assertSessionCsrf, issueFormToken } from '../csrf.js';
import { finishSignedIn, formReturnTo, queryReturnTo, view, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { registerSecondStepPage, sendSecondStepPage, sendStepPage } from './login-mfa.js';
import { registerPasskeyLoginPages } from './passkey-login.js';
import { returnToQuery } from '../return-to.js';
import { loginFormRoute, loginPageRoute, logoutFormRoute } from './schemas.js';
import type { FieldErrors, Notice } from './view.js';

/** Sends the login form; `errors` and `notice` after a refused attempt. */
export function sendLoginPage(deps: PagesDeps, req: FastifyRequest, reply: FastifyReply, status: number, options: { username?: string; back?: string | null; errors?: FieldErrors; notice?: Notice } = {}): FastifyReply {
  const back = options.back ?? null;
  const csrf = issueFormToken(req, reply, deps.settings);
  return view(deps, req, reply).send(status, 'login', { csrf, back, keep: returnToQuery(back), username: options.username ?? '', errors: options.errors, notice: options.notice });
}

/** Registers GET/POST /login, the second step (POST /login/mfa) and POST /logout. */
export function registerLoginPages(app: FastifyInstance, deps: PagesDeps): void {
  registerSecondStepPage(app, deps, (req, reply, notice, back) => sendLoginPage(deps, req, reply, 401, { notice, back }));
  registerPasskeyLoginPages(
    app,
    deps,
    (req, reply, status, back, notice) => sendLoginPage(deps, req, reply, status, { back, notice }),
    (req, reply, status, mfaToken, back, notice) => sendStepPage(deps, req, reply, status, { mfaToken, back, passkey: true, notice }),
  );

  // The form is shown to anyone, a signed-in visitor too. `reauth=1` (set by the OIDC interaction when an app asks
  // for a fresh sign-in: src/http/oidc/interaction.ts) only adds a notice saying why; it skips nothing.
  app.get('/login', { schema: loginPageRoute }, async (req, reply) => {
    const reauth = (req.query as { reauth?: unknown }).reauth === '1';
    return sendLoginPage(deps, req, reply, 200, { back: queryReturnTo(deps, req), ...(reauth ? { notice: { kind: 'ok', text: view(deps, req, reply).t('login.again') } } : {}) });
  });

  app.post('/login', { schema: loginFormRoute }, async (req: FastifyRequest, reply: FastifyReply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const username = formField(req, 'username', 320);
    try {
      const result = await deps.service.loginForPage(username, formField(req, 'password'), clientContext(req));
      // REQUIRE_MFA: an account without a factor goes to enrol one before anything else (require-mfa.ts).
      return finishSignedIn(deps, reply, result, result.enrolmentRequired ? null : formReturnTo(deps, req));
    } catch (err) {
      if (isMfaRequired(err)) return sendSecondStepPage(req, reply, deps, err, formReturnTo(deps, req));
      if (!isAuthError(err, 'INVALID_CREDENTIALS')) throw err;
      const t = view(deps, req, reply).t;
      return sendLoginPage(deps, req, reply, 401, { username, back: formReturnTo(deps, req), errors: { password: t('login.invalid') } });
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
