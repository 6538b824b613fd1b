/**
 * Signing in with a passkey on the pages (docs/security.md, "Passkeys"): as the only factor on
 * /login (no password typed; a discoverable credential with user verification; `return_to` kept
 * as the password form keeps it), and as the second step after a password. Each is a plain form
 * whose script (passkey-assets.ts; the forms are in templates/pages/login.eta and second-step.eta) first asks for the ceremony's options, then posts the
 * browser's answer; the core checks everything (src/core/passkeys/sign-in.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { assertFormToken } from '../csrf.js';
import { emptyResponse, formBody, HEADERS, htmlResponse, jsonResponse, PUBLIC, type RouteSchema } from '../openapi/route-docs.js';
import { finishSignedIn, formReturnTo, view, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { problemText } from './messages.js';
import { readCredential, sendOptions } from './passkey-assets.js';
import type { Notice } from './view.js';

const csrf = { description: 'The hidden CSRF field (echoes the form cookie).' };
const mfaToken = { description: 'The second step’s token (hidden field).', maxLength: 256 };
const credential = { description: 'The browser’s WebAuthn assertion (JSON, filled in by the page’s script).', maxLength: 16384 };
const optionsAnswers = {
  200: jsonResponse('The options for navigator.credentials.get.', { type: 'object', properties: { options: { type: 'object', additionalProperties: true } } }),
  400: jsonResponse('A refused request, as `{error: {code, message}}` (a form error before the route runs is the HTML error page).', { type: 'object', additionalProperties: true }),
  401: jsonResponse('The login step ended (second step only).', { type: 'object', additionalProperties: true }),
  429: jsonResponse('Too many failed sign-ins from this address.', { type: 'object', additionalProperties: true }),
};

function route(summary: string, description: string, fields: Record<string, { description: string; maxLength?: number }>, response: RouteSchema['response']): RouteSchema {
  return { summary, description, tags: ['pages'], security: PUBLIC, requestBody: formBody(summary, fields, Object.keys(fields).filter((f) => f !== 'return_to')), response };
}

export const signInOptionsRoute = route('Passkey sign-in: options', 'Called by /login’s script: assertion options for any passkey of this site.', { csrf }, optionsAnswers);
export const signInRoute = route(
  'Sign in with a passkey',
  'The browser’s assertion; no password. Sets the session cookies and goes to the allowed `return_to` or /account.',
  { csrf, credential, return_to: { description: 'Where to go after signing in (allow-listed).', maxLength: 2048 } },
  {
    303: emptyResponse('Signed in.', { Location: HEADERS.location, 'Set-Cookie': HEADERS.setSessionCookies }),
    400: htmlResponse('An answer that is not a WebAuthn response: the login form saying so.'),
    401: htmlResponse('A passkey that was not accepted, or a request that expired: the login form saying so.'),
  },
);
export const secondStepOptionsRoute = route('Second step with a passkey: options', 'Called by the second-step page’s script: assertion options for the account’s passkeys.', { csrf, mfa_token: mfaToken }, optionsAnswers);
export const secondStepRoute = route('Log in: the second step with a passkey', 'The browser’s assertion for the pending step. Sets the session cookies and goes to the allowed `return_to` or /account.', { csrf, mfa_token: mfaToken, credential, return_to: { description: 'Where to go after logging in (allow-listed; carried from the login form).', maxLength: 2048 } }, {
  303: emptyResponse('Logged in: go to the allowed `return_to` or /account.', { Location: HEADERS.location, 'Set-Cookie': HEADERS.setSessionCookies }),
  401: htmlResponse('A passkey that was not accepted (the second-step page again), or a step that ended (the login form).'),
});

/** Sends the login form again (status, the `return_to` to keep, a notice). */
export type LoginPage = (req: FastifyRequest, reply: FastifyReply, status: number, back: string | null, notice: Notice) => FastifyReply;
/** Sends the second-step page again, the passkey offered (status, its token, the `return_to` to keep, a notice). */
export type SecondStepPage = (req: FastifyRequest, reply: FastifyReply, status: number, token: string, back: string | null, notice: Notice) => FastifyReply;

/** Registers the passkey sign-in routes of /login and of its second step. */
export function registerPasskeyLoginPages(app: FastifyInstance, deps: PagesDeps, loginPage: LoginPage, secondStepPage: SecondStepPage): void {
  const passkeys = deps.service.secondFactor.passkeys;

  app.post('/login/passkey/options', { schema: signInOptionsRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    return sendOptions(reply, () => passkeys.startSignIn(clientContext(req)));
  });

  app.post('/login/passkey', { schema: signInRoute }, async (req, reply): Promise<FastifyReply> => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const back = formReturnTo(deps, req);
    try {
      const login = await passkeys.signIn(readCredential(formField(req, 'credential', 16384)), clientContext(req));
      return finishSignedIn(deps, reply, login, back);
    } catch (err) {
      const { t } = view(deps, req, reply);
      const again = (status: number, text: string) => loginPage(req, reply, status, back, { kind: 'error', text });
      if (isAuthError(err, 'INVALID_INPUT')) return again(400, problemText(err, t));
      if (isAuthError(err, 'INVALID_TOKEN')) return again(401, t('passkeys.sign_in_expired'));
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return again(401, t('passkeys.not_accepted'));
      throw err;
    }
  });

  app.post('/login/mfa/passkey/options', { schema: secondStepOptionsRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    return sendOptions(reply, () => passkeys.startSecondStep(formField(req, 'mfa_token', 256), clientContext(req)));
  });

  app.post('/login/mfa/passkey', { schema: secondStepRoute }, async (req, reply): Promise<FastifyReply> => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const token = formField(req, 'mfa_token', 256);
    const back = formReturnTo(deps, req);
    try {
      const result = await passkeys.completeCookieLogin(token, readCredential(formField(req, 'credential', 16384)), clientContext(req));
      return finishSignedIn(deps, reply, result, back);
    } catch (err) {
      const { t } = view(deps, req, reply);
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return secondStepPage(req, reply, 401, token, back, { kind: 'error', text: t('passkeys.not_accepted_step') });
      if (isAuthError(err, 'INVALID_INPUT')) return secondStepPage(req, reply, 400, token, back, { kind: 'error', text: problemText(err, t) });
      if (isAuthError(err, 'INVALID_TOKEN')) return loginPage(req, reply, 401, back, { kind: 'error', text: t('second_step.ended') });
      throw err;
    }
  });
}
