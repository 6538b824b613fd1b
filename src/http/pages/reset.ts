/**
 * /reset: "forgot my password". Without a token, a form asking for the username or email whose
 * answer is the same page for any input (no account enumeration). With a token from the email,
 * a new-password form; posting it to /reset/complete sets the password (the core revokes every
 * session) and tells the visitor to log in. The page sends no Referer, so the token stays here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, issueFormToken } from '../csrf.js';
import { formReturnTo, queryReturnTo, queryToken, view, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { returnToQuery } from '../return-to.js';
import { postTokenForm, type TokenForm } from './token-form.js';
import { resetCompleteFormRoute, resetPageRoute, resetRequestFormRoute } from './schemas.js';

const isBadToken = (err: unknown): boolean =>
  isAuthError(err, 'INVALID_TOKEN') || isAuthError(err, 'TOKEN_REUSED') || isAuthError(err, 'INVALID_INPUT');

/** Registers GET/POST /reset and POST /reset/complete. */
export function registerResetPages(app: FastifyInstance, deps: PagesDeps): void {
  // The request form; `expired` when a dead reset link brought the visitor here (400).
  const requestPage = (req: FastifyRequest, reply: FastifyReply, back: string | null, expired: boolean) =>
    view(deps, req, reply).send(expired ? 400 : 200, 'reset', { csrf: issueFormToken(req, reply, deps.settings), back, keep: returnToQuery(back), expired });

  const form: TokenForm = {
    template: 'reset-password',
    check: (token, client) => deps.service.checkResetToken(token, client),
    complete: (token, password, client) => deps.service.resetAndSignIn(token, password, client),
    // Every older session has ended; signed in anew unless LOGIN_AFTER_LINK=false, which shows this page.
    doneTemplate: 'reset-done',
    badLink: (req, reply, back) => requestPage(req, reply, back, true),
    isBadToken,
  };

  app.get('/reset', { schema: resetPageRoute }, async (req, reply) => {
    const token = queryToken(req);
    const back = queryReturnTo(deps, req);
    if (!('token' in (req.query as object))) return requestPage(req, reply, back, false);
    try {
      const { email } = await deps.service.checkResetToken(token, clientContext(req));
      return view(deps, req, reply).send(200, form.template, { csrf: issueFormToken(req, reply, deps.settings), back, token, email });
    } catch (err) {
      if (isBadToken(err)) return form.badLink(req, reply, back);
      throw err;
    }
  });

  app.post('/reset', { schema: resetRequestFormRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const back = formReturnTo(deps, req);
    const options = back === null ? {} : { returnTo: back };
    await deps.service.requestPasswordReset(formField(req, 'identifier', 320), clientContext(req), options).catch((err: unknown) => {
      if (!isAuthError(err, 'INVALID_INPUT')) throw err; // same answer for any input
    });
    return view(deps, req, reply).send(200, 'reset-sent', { keep: returnToQuery(back) });
  });

  app.post('/reset/complete', { schema: resetCompleteFormRoute }, async (req, reply) => postTokenForm(req, reply, deps, form));
}
