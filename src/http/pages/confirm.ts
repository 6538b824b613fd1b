/**
 * /confirm: the landing page of the confirmation email. A usable link shows a "choose a
 * password" form; posting it sets the password and activates the account. A used, expired or
 * tampered link gets one clear page (400) with a form asking for a new link, which answers the
 * same for any address. The token travels only in the link and the form body, and the page
 * sends no Referer.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, issueFormToken } from '../csrf.js';
import { formReturnTo, queryReturnTo, queryToken, view, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { returnToQuery } from '../return-to.js';
import { postTokenForm, type TokenForm } from './token-form.js';
import { confirmFormRoute, confirmPageRoute, confirmResendRoute } from './schemas.js';

const isBadToken = (err: unknown): boolean => isAuthError(err, 'INVALID_TOKEN') || isAuthError(err, 'TOKEN_REUSED');

/** Registers GET/POST /confirm and POST /confirm/resend. */
export function registerConfirmPages(app: FastifyInstance, deps: PagesDeps): void {
  const badLink = (req: FastifyRequest, reply: FastifyReply, back: string | null) =>
    view(deps, req, reply).send(400, 'confirm-invalid', { csrf: issueFormToken(req, reply, deps.settings), back });

  const form: TokenForm = {
    template: 'confirm',
    check: (token, client) => deps.service.checkConfirmToken(token, client),
    complete: (token, password, client) => deps.service.confirmAndSignIn(token, password, client),
    doneTemplate: 'confirm-done',
    badLink,
    isBadToken,
  };

  app.get('/confirm', { schema: confirmPageRoute }, async (req, reply) => {
    const token = queryToken(req);
    const back = queryReturnTo(deps, req);
    try {
      const { email } = await deps.service.checkConfirmToken(token, clientContext(req));
      return view(deps, req, reply).send(200, form.template, { csrf: issueFormToken(req, reply, deps.settings), back, token, email });
    } catch (err) {
      if (isBadToken(err) || isAuthError(err, 'INVALID_INPUT')) return badLink(req, reply, back);
      throw err;
    }
  });

  app.post('/confirm', { schema: confirmFormRoute }, async (req, reply) => postTokenForm(req, reply, deps, form));

  app.post('/confirm/resend', { schema: confirmResendRoute }, async (req, reply) => {
    assertFormToken(req, deps.settings, formField(req, 'csrf'));
    const back = formReturnTo(deps, req);
    const options = back === null ? {} : { returnTo: back };
    await deps.service.resendConfirmation(formField(req, 'email', 320), clientContext(req), options).catch((err: unknown) => {
      if (!isAuthError(err, 'INVALID_INPUT')) throw err; // same answer for any input
    });
    return view(deps, req, reply).send(200, 'confirm-resent', { keep: returnToQuery(back) });
  });
}
