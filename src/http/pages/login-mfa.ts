/**
 * The login's second step as a page (docs/security.md, "Second factor"): after the password of an
 * account with a second factor, /login answers this page instead of cookies; it carries the
 * step's single-use token in a hidden field and asks for a TOTP or recovery code. POST
 * /login/mfa completes the step through the core (the same flow as the APIs) and sets the
 * session cookies. A wrong code shows the page again with the same token (the core counts the
 * attempt and kills the token after five); a dead token sends the visitor back to /login.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import type { MfaRequiredError } from '../../core/mfa/errors.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, issueFormToken } from '../csrf.js';
import { markSecondStepAsked } from '../mfa/step-marks.js';
import { emptyResponse, formBody, HEADERS, htmlResponse, PUBLIC, type RouteSchema } from '../openapi/route-docs.js';
import { finishSignedIn, formReturnTo, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, page, returnToField, sendPage, type Notice } from './layout.js';
import { passkeySecondStepForm } from './passkey-login.js';

export const secondStepFormRoute: RouteSchema = {
  summary: 'Log in: the second step',
  description: 'After the password of an account with a second factor: the step token (hidden field) and a TOTP or recovery code. Sets the session cookies and goes to the allowed `return_to` or /account.',
  tags: ['pages'],
  security: PUBLIC,
  requestBody: formBody(
    'The second-step form /login answers for an account with a second factor.',
    {
      csrf: { description: 'The hidden CSRF field (echoes the form cookie).' },
      mfa_token: { description: 'The step token (hidden field).', maxLength: 256 },
      code: { description: 'A six-digit code from the authenticator app, or a recovery code.', maxLength: 64 },
      return_to: { description: 'Where to go after logging in (allow-listed; carried from the login form).', maxLength: 2048 },
    },
    ['csrf', 'mfa_token', 'code'],
  ),
  response: {
    303: emptyResponse('Logged in: go to the allowed `return_to` or /account.', { Location: HEADERS.location, 'Set-Cookie': HEADERS.setSessionCookies }),
    401: htmlResponse('A wrong code (the form again), or a step that ended (the login form, saying so).'),
    403: htmlResponse('The form expired, lost its CSRF token, or was sent from another site.'),
  },
};

/** The second-step page: the step token carried on, a code asked for (and a passkey offered when the account has one). */
export function secondStepPage(csrf: string, mfaToken: string, notice?: Notice, options: { passkey?: boolean; back?: string | null } = {}): SafeHtml {
  const back = options.back ?? null;
  return page(
    'Enter your code',
    html`<p>Your account has a second factor. Enter the six-digit code your authenticator app shows, or one of your recovery codes.</p>
<form method="post" action="/login/mfa">${csrfField(csrf)}${returnToField(back)}<input type="hidden" name="mfa_token" value="${mfaToken}">
<label for="code">Code</label><input id="code" name="code" required autocomplete="one-time-code" inputmode="text" maxlength="64" autofocus>
<button type="submit">Log in</button></form>
${options.passkey === true ? passkeySecondStepForm(csrf, mfaToken, back) : ''}
<nav><a href="/login">Start again</a></nav>`,
    notice,
  );
}

/** Answers the password step of an account with a second factor with the second-step page. */
export function sendSecondStepPage(req: FastifyRequest, reply: FastifyReply, deps: PagesDeps, err: MfaRequiredError): FastifyReply {
  markSecondStepAsked(req);
  return sendPage(reply, 200, secondStepPage(issueFormToken(req, reply, deps.settings), err.mfaToken, undefined, { passkey: err.methods.includes('passkey'), back: formReturnTo(deps, req) }));
}

/** Registers POST /login/mfa. `loginPage` renders the login form (for a step that ended). */
export function registerSecondStepPage(app: FastifyInstance, deps: PagesDeps, loginPage: (csrf: string, notice: Notice) => SafeHtml): void {
  app.post('/login/mfa', { schema: secondStepFormRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const mfaToken = formField(req, 'mfa_token', 256);
    const back = formReturnTo(deps, req);
    try {
      const result = await deps.service.secondFactor.completeCookieLogin(mfaToken, formField(req, 'code', 64), clientContext(req));
      return finishSignedIn(deps, reply, result, back);
    } catch (err) {
      const csrf = issueFormToken(req, reply, deps.settings);
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return sendPage(reply, 401, secondStepPage(csrf, mfaToken, { kind: 'error', text: 'That code is not valid. Try the next code your app shows.' }, { back }));
      if (isAuthError(err, 'INVALID_TOKEN')) return sendPage(reply, 401, loginPage(csrf, { kind: 'error', text: 'That login step has ended. Log in again.' }));
      throw err;
    }
  });
}
