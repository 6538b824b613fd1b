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
      passkey: { description: '`1` when the page offered a passkey too (hidden field): a wrong code shows the offer again.', maxLength: 1 },
    },
    ['csrf', 'mfa_token', 'code'],
  ),
  response: {
    303: emptyResponse('Logged in: go to the allowed `return_to` or /account.', { Location: HEADERS.location, 'Set-Cookie': HEADERS.setSessionCookies }),
    401: htmlResponse('A wrong code (the form again), or a step that ended (the login form, saying so).'),
    403: htmlResponse('The form expired, lost its CSRF token, or was sent from another site.'),
  },
};

/** What the second-step page shows: the step token carried on, the `return_to` to keep, a passkey offered (the account has one), errors or a notice. */
export interface StepPage {
  mfaToken: string;
  back: string | null;
  passkey: boolean;
  errors?: FieldErrors;
  notice?: Notice;
}

/** Sends the second-step page: the step token carried on, a code asked for (and a passkey offered when the account has one). */
export function sendStepPage(deps: PagesDeps, req: FastifyRequest, reply: FastifyReply, status: number, step: StepPage): FastifyReply {
  return view(deps, req, reply).send(status, 'second-step', { csrf: issueFormToken(req, reply, deps.settings), ...step });
}

/** Answers the password step of an account with a second factor with the second-step page. */
export function sendSecondStepPage(req: FastifyRequest, reply: FastifyReply, deps: PagesDeps, err: MfaRequiredError, back: string | null): FastifyReply {
  markSecondStepAsked(req);
  return sendStepPage(deps, req, reply, 200, { mfaToken: err.mfaToken, back, passkey: err.methods.includes('passkey') });
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
      // The code form carries `passkey=1` when the passkey was offered: a wrong code offers it again (the server checks any passkey anyway).
      const passkey = formField(req, 'passkey', 1) === '1';
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return sendStepPage(deps, req, reply, 401, { mfaToken, back, passkey, errors: { code: t('second_step.wrong_code') } });
      if (isAuthError(err, 'INVALID_TOKEN')) return loginPage(req, reply, { kind: 'error', text: t('second_step.ended') }, back);
      throw err;
    }
  });
}
