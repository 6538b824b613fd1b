/**
 * The login's second step as a page (docs/security.md, "Second factor"): after the password of an
 * account with a second factor, /login answers this page instead of cookies; it carries the
 * step's single-use token (and the login form's allowed `return_to`) in hidden fields and asks for a TOTP or recovery code. POST
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
import { finishSignedIn, formReturnTo, view, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import type { FieldErrors, Notice } from './view.js';

export const secondStepFormRoute: RouteSchema = {
  summary: 'Log in: the second step',
  description: 'After the password of an account with a second factor: the step token (hidden field) and a TOTP or recovery code. Sets the session cookies and goes to the allowed `return_to`, else /account.',
  tags: ['pages'],
  security: PUBLIC,
  requestBody: formBody(
    'The second-step form /login answers for an account with a second factor.',
    {
      csrf: { description: 'The hidden CSRF field (echoes the form cookie).' },
      mfa_token: { description: 'The step token (hidden field).', maxLength: 256 },
      code: { description: 'A six-digit code from the authenticator app, or a recovery code.', maxLength: 64 },
      return_to: { description: 'The allowed `return_to` the login form carried (hidden field).', maxLength: 2048 },
    },
    ['csrf', 'mfa_token', 'code'],
  ),
  response: {
    303: emptyResponse('Logged in: go to the allowed return_to, else /account.', { Location: HEADERS.location, 'Set-Cookie': HEADERS.setSessionCookies }),
    401: htmlResponse('A wrong code (the form again), or a step that ended (the login form, saying so).'),
    403: htmlResponse('The form expired, lost its CSRF token, or was sent from another site.'),
  },
};

/** Sends the second-step page: the step token and the allowed `return_to` carried on, a code asked for. */
function sendStepPage(deps: PagesDeps, req: FastifyRequest, reply: FastifyReply, status: number, mfaToken: string, back: string | null, errors?: FieldErrors): FastifyReply {
  return view(deps, req, reply).send(status, 'second-step', { csrf: issueFormToken(req, reply, deps.settings), mfaToken, back, errors });
}

/** Answers the password step of an account with a second factor with the second-step page. */
export function sendSecondStepPage(req: FastifyRequest, reply: FastifyReply, deps: PagesDeps, err: MfaRequiredError, back: string | null): FastifyReply {
  markSecondStepAsked(req);
  return sendStepPage(deps, req, reply, 200, err.mfaToken, back);
}

/** Registers POST /login/mfa. `loginPage` sends the login form with a notice (for a step that ended), carrying `back`. */
export function registerSecondStepPage(app: FastifyInstance, deps: PagesDeps, loginPage: (req: FastifyRequest, reply: FastifyReply, notice: Notice, back: string | null) => FastifyReply): void {
  app.post('/login/mfa', { schema: secondStepFormRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const mfaToken = formField(req, 'mfa_token', 256);
    const back = formReturnTo(deps, req);
    try {
      const result = await deps.service.secondFactor.completeCookieLogin(mfaToken, formField(req, 'code', 64), clientContext(req));
      return finishSignedIn(deps, reply, result, back);
    } catch (err) {
      const { t } = view(deps, req, reply);
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return sendStepPage(deps, req, reply, 401, mfaToken, back, { code: t('second_step.wrong_code') });
      if (isAuthError(err, 'INVALID_TOKEN')) return loginPage(req, reply, { kind: 'error', text: t('second_step.ended') }, back);
      throw err;
    }
  });
}
