/**
 * The flow /confirm and /reset share: a link's token opens a "choose a password" form, and
 * posting it (twice the same password) spends the token and signs in (src/core/email-flows/
 * sign-in-after-link.ts): straight back to the allowed return_to or /account. What differs is
 * the core call, the pages and which errors mean "this link is dead".
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import type { LinkOutcome } from '../../core/accounts-service.js';
import type { ClientContext } from '../../core/ports.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, issueFormToken } from '../csrf.js';
import { finishSignedIn, formReturnTo, type PagesDeps } from './context.js';
import { formField } from './form-body.js';
import type { SafeHtml } from './html.js';
import { sendPage, sentence, type Notice } from './layout.js';

/** One link's password form: how to check and spend its token, and its pages. */
export interface TokenForm {
  /** The address a usable link was sent to (checkConfirmToken, checkResetToken). */
  check(token: string, ctx: ClientContext): Promise<{ email: string }>;
  /** Spends the token, sets the password, and signs in when allowed (confirmAndSignIn, resetAndSignIn). */
  complete(token: string, password: string, ctx: ClientContext): Promise<LinkOutcome>;
  /** The form page (carrying the allowed return_to), with a notice after a refused password. */
  formPage(csrf: string, token: string, email: string, back: string | null, notice?: Notice): SafeHtml;
  /** The page once the password is set without signing in (LOGIN_AFTER_LINK=false), linking to /login with `back`. */
  donePage(back: string | null): SafeHtml;
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
  const again = async (text: string) => {
    const { email } = await form.check(token, clientContext(req));
    return sendPage(reply, 400, form.formPage(issueFormToken(req, reply, deps.settings), token, email, back, { kind: 'error', text }));
  };
  let outcome: LinkOutcome;
  try {
    if (password !== formField(req, 'password_confirm')) return await again('The two passwords are not the same.');
    outcome = await form.complete(token, password, clientContext(req));
  } catch (err) {
    if (isPasswordProblem(err)) {
      // The link died meanwhile: the bad-link page; an outage is not a bad link (503).
      return await again(sentence(err.message)).catch((e: unknown) => {
        if (isDeadLink(e)) return form.badLink(req, reply, back);
        throw e;
      });
    }
    if (form.isBadToken(err)) return form.badLink(req, reply, back);
    throw err;
  }
  if (outcome.login !== null) return finishSignedIn(deps, reply, outcome.login, back);
  return sendPage(reply, 200, form.donePage(back));
}
