/**
 * /signup: sign-up with only an email address. The answer is the same page whether or not the
 * address already has an account (the core emails its owner a notice instead).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, issueFormToken } from '../csrf.js';
import { formReturnTo, queryReturnTo, view, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { returnToQuery } from '../return-to.js';
import { signupFormRoute, signupPageRoute } from './schemas.js';
import type { FieldErrors } from './view.js';

function sendSignupPage(deps: PagesDeps, req: FastifyRequest, reply: FastifyReply, status: number, email: string, back: string | null, errors?: FieldErrors): FastifyReply {
  return view(deps, req, reply).send(status, 'signup', { csrf: issueFormToken(req, reply, deps.settings), back, keep: returnToQuery(back), email, errors });
}

/** Registers GET/POST /signup. */
export function registerSignupPages(app: FastifyInstance, deps: PagesDeps): void {
  app.get('/signup', { schema: signupPageRoute }, async (req, reply) => sendSignupPage(deps, req, reply, 200, '', queryReturnTo(deps, req)));

  app.post('/signup', { schema: signupFormRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const email = formField(req, 'email', 320);
    const back = formReturnTo(deps, req);
    try {
      await deps.service.signUpWithEmail({ email, locale: view(deps, req, reply).lang, ...(back === null ? {} : { returnTo: back }) }, clientContext(req));
    } catch (err) {
      if (!isAuthError(err, 'INVALID_INPUT')) throw err;
      return sendSignupPage(deps, req, reply, 400, email, back, { email: view(deps, req, reply).t('signup.invalid_email') });
    }
    return view(deps, req, reply).send(200, 'signup-sent', { keep: returnToQuery(back) });
  });
}
