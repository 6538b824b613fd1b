/**
 * The cookie API's second step (docs/integration.md, "Second factor"): `do=login` of an account
 * with a second factor answers `401 mfa_required` with a single-use `mfaToken`, and
 * `do=login_mfa` `{"mfaToken","code"}` completes the login with a TOTP or recovery code, setting
 * the same cookies a password login sets. The rules are the core's (src/core/mfa/second-step.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../../core/errors.js';
import type { MfaRequiredError } from '../../core/mfa/errors.js';
import type { AccountsService } from '../../core/accounts-service.js';
import { setSessionCookies, type CookieSettings } from '../cookies.js';
import { clientContext } from '../credentials.js';
import { assertNotCrossSite } from '../csrf.js';
import { markSecondStepAsked } from '../mfa/step-marks.js';

/** Answers `401 mfa_required` in this dialect's error format, with the step's token and methods. */
export function sendCookieMfaRequired(reply: FastifyReply, err: MfaRequiredError): FastifyReply {
  const error = { code: 'mfa_required', message: err.message, mfaToken: err.mfaToken, methods: err.methods, expiresIn: err.expiresIn };
  markSecondStepAsked(reply.request);
  return reply.code(401).type('application/json; charset=utf-8').send({ error });
}

/** `do=login_mfa`: completes a login's second step and sets the session cookies. */
export async function loginMfa({ service, settings }: { service: AccountsService; settings: CookieSettings }, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  assertNotCrossSite(req, settings);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const { mfaToken, code } = body;
  if (typeof mfaToken !== 'string' || mfaToken.length === 0 || mfaToken.length > 256) throw new AuthError('INVALID_INPUT', 'mfaToken is required', { field: 'mfaToken' });
  if (typeof code !== 'string' || code.length === 0 || code.length > 64) throw new AuthError('INVALID_INPUT', 'code is required', { field: 'code' });
  const result = await service.secondFactor.completeCookieLogin(mfaToken, code, clientContext(req));
  setSessionCookies(reply, settings, result);
  return reply.code(200).send({});
}
