/**
 * The JSON API's self-service routes under /api/v1/account (README "JSON API: every account
 * flow"): sign-up by email, confirmation, resend, password reset (request and complete), password
 * change, email change (with its link), deletion, the language of the account's emails. Each parses, calls one service function and formats; the rules (throttles,
 * the same answer for unknown addresses, audit, mail) live in the core. A `returnTo` outside
 * RETURN_TO_ORIGINS is refused here, so an emailed link only ever carries an allowed one.
 */
import type { FastifyInstance } from 'fastify';
import type { ReturnToRule } from '../../config/index.js';
import { AuthError } from '../../core/errors.js';
import type { AccountsService } from '../../core/accounts-service.js';
import { clientContext, requireAccessToken } from '../credentials.js';
import { useDialect } from '../dialect.js';
import { safeReturnTo } from '../return-to.js';
import { sendProblem, sendResult } from './envelope.js';
import {
  changeEmailRoute,
  changePasswordRoute,
  confirmEmailChangeRoute,
  confirmRoute,
  deleteAccountRoute,
  localeRoute,
  resendRoute,
  resetCompleteRoute,
  resetRequestRoute,
  signupRoute,
  type ChangeEmailBody,
  type ChangePasswordBody,
  type DeleteBody,
  type LocaleBody,
  type LinkPasswordBody,
  type ResendBody,
  type ResetRequestBody,
  type SignupBody,
  type TokenBody,
} from './self-service-schemas.js';

export interface SelfServiceRouteOptions {
  service: AccountsService;
  /** RETURN_TO_ORIGINS. */
  returnTo: readonly ReturnToRule[];
}

/** `{ returnTo }` for an allowed target, `{}` when none was sent; INVALID_INPUT for one outside the allow-list. */
export function allowedReturnTo(value: string | undefined, rules: readonly ReturnToRule[]): { returnTo?: string } {
  if (value === undefined) return {};
  const target = safeReturnTo(value, rules);
  if (target === null) throw new AuthError('INVALID_INPUT', 'returnTo is not an allowed return address (RETURN_TO_ORIGINS)', { field: 'returnTo' });
  return { returnTo: target };
}

/** Registers the self-service routes on an encapsulated scope with the JWT API error format. */
export async function jwtApiSelfServiceRoutes(app: FastifyInstance, opts: SelfServiceRouteOptions): Promise<void> {
  const { service } = opts;
  useDialect(app, sendProblem);

  app.post<{ Body: SignupBody }>('/signup', { schema: signupRoute }, async (req, reply) => {
    const { email, promo, locale } = req.body;
    await service.signUpWithEmail({ email, promo, locale, ...allowedReturnTo(req.body.returnTo, opts.returnTo) }, clientContext(req));
    return sendResult(reply, {});
  });

  app.post<{ Body: LinkPasswordBody }>('/confirm', { schema: confirmRoute }, async (req, reply) => {
    await service.confirmAccount(req.body.token, req.body.password, clientContext(req));
    return sendResult(reply, {});
  });

  app.post<{ Body: ResendBody }>('/confirmation/resend', { schema: resendRoute }, async (req, reply) => {
    await service.resendConfirmation(req.body.email, clientContext(req), allowedReturnTo(req.body.returnTo, opts.returnTo));
    return sendResult(reply, {});
  });

  app.post<{ Body: ResetRequestBody }>('/password/reset', { schema: resetRequestRoute }, async (req, reply) => {
    await service.requestPasswordReset(req.body.identifier, clientContext(req), allowedReturnTo(req.body.returnTo, opts.returnTo));
    return sendResult(reply, {});
  });

  app.post<{ Body: LinkPasswordBody }>('/password/reset/complete', { schema: resetCompleteRoute }, async (req, reply) => {
    await service.completePasswordReset(req.body.token, req.body.password, clientContext(req));
    return sendResult(reply, {});
  });

  app.post<{ Body: ChangePasswordBody }>('/password', { schema: changePasswordRoute }, async (req, reply) => {
    const { account, session } = await requireAccessToken(service, req);
    await service.changePassword(account.id, req.body.password, { currentPassword: req.body.currentPassword, keepSessionId: session.id }, clientContext(req));
    return sendResult(reply, {});
  });

  app.post<{ Body: ChangeEmailBody }>('/email', { schema: changeEmailRoute }, async (req, reply) => {
    const { account } = await requireAccessToken(service, req);
    const back = allowedReturnTo(req.body.returnTo, opts.returnTo);
    await service.requestEmailChange(account.id, req.body.currentPassword, req.body.email, clientContext(req), back);
    return sendResult(reply, {});
  });

  app.post<{ Body: TokenBody }>('/email/confirm', { schema: confirmEmailChangeRoute }, async (req, reply) => {
    await service.confirmEmailChange(req.body.token, clientContext(req));
    return sendResult(reply, {});
  });

  app.post<{ Body: DeleteBody }>('/delete', { schema: deleteAccountRoute }, async (req, reply) => {
    const { account } = await requireAccessToken(service, req);
    await service.deleteOwnAccount(account.id, req.body.currentPassword, clientContext(req));
    return sendResult(reply, {});
  });

  app.post<{ Body: LocaleBody }>('/locale', { schema: localeRoute }, async (req, reply) => {
    const { account } = await requireAccessToken(service, req);
    await service.setLocale(account.id, req.body.locale);
    return sendResult(reply, {});
  });
}
