/**
 * The flow /confirm and /reset share: a link's token opens a "choose a password" form, and
 * posting it (twice the same password) spends the token and signs in (src/core/email-flows/
 * sign-in-after-link.ts): straight back to the allowed return_to or /account. What differs is
 * the core call, the templates and which errors mean "this link is dead".
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import type { LinkOutcome } from '../../core/accounts-service.js';
import type { ClientContext } from '../../core/ports.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, issueFormToken } from '../csrf.js';
import { finishSignedIn, formReturnTo, view, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import { problemText } from './messages.js';
import { returnToQuery } from '../return-to.js';
import type { FieldErrors } from './view.js';

/** One link's password form: how to check and spend its token, and its pages. */
export interface TokenForm {
  /** The form's template (it gets csrf, back, token, email and errors). */
  template: string;
  /** The address a usable link was sent to (checkConfirmToken, checkResetToken). */
  check(token: string, ctx: ClientContext): Promise<{ email: string }>;
  /** Spends the token, sets the password, and signs in when allowed (confirmAndSignIn, resetAndSignIn). */
  complete(token: string, password: string, ctx: ClientContext): Promise<LinkOutcome>;
  /** The template once the password is set without signing in (LOGIN_AFTER_LINK=false); it links to /login keeping `back`. */
  doneTemplate: string;
  /** The page for a dead link (400). */
  badLink(req: FastifyRequest, reply: FastifyReply, back: string | null): FastifyReply;
  /** Errors of `complete` that mean the link is dead. */
  isBadToken(err: unknown): boolean;
}

const isPasswordProblem = (err: unknown): err is Error =>
  isAuthError(err, 'WEAK_PASSWORD') || (isAuthError(err, 'INVALID_INPUT') && err.field === 'password');
/** A link that stopped working between the form and its post: used, expired, or malformed. */
const isDeadLink = (err: unknown): boolean =>
  isAuthError(err, 'INVALID_TOKEN') || isAuthError(err, 'TOKEN_REUSED') || isAuthError(err, 'INVALID_INPUT');

/** Handles the post of a link's password form: a refusal page, the redirect of a new session, or the done page. */
export async function postTokenForm(req: FastifyRequest, reply: FastifyReply, deps: PagesDeps, form: TokenForm): Promise<FastifyReply> {
  assertFormToken(req, deps.settings, formField(req, 'csrf'));
  const token = formField(req, 'token', 200);
  const password = formField(req, 'password');
  const back = formReturnTo(deps, req);
  const page = view(deps, req, reply);
  const again = async (errors: FieldErrors) => {
    const { email } = await form.check(token, clientContext(req));
    return page.send(400, form.template, { csrf: issueFormToken(req, reply, deps.settings), back, token, email, errors });
  };
  let outcome: LinkOutcome;
  try {
    if (password !== formField(req, 'password_confirm')) return await again({ password_confirm: page.t('password.mismatch') });
    outcome = await form.complete(token, password, clientContext(req));
  } catch (err) {
    if (isPasswordProblem(err)) {
      // The link died meanwhile: the bad-link page; an outage is not a bad link (503).
      return await again({ password: problemText(err, page.t) }).catch((e: unknown) => {
        if (isDeadLink(e)) return form.badLink(req, reply, back);
        throw e;
      });
    }
    if (form.isBadToken(err)) return form.badLink(req, reply, back);
    throw err;
  }
  if (outcome.login !== null) return finishSignedIn(deps, reply, outcome.login, back);
  return page.send(200, form.doneTemplate, { keep: returnToQuery(back) });
}
