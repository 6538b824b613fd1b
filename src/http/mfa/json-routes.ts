/**
 * The JWT API's second-factor routes under /api/v1/account: the login's second step
 * (`POST /login/mfa`) and the owner's TOTP and recovery-code routes (access token, plus the
 * password and a code in the body: src/core/mfa/owner-proof.ts). Each parses, calls one core
 * function and formats.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError } from '../../core/errors.js';
import type { AccountsService } from '../../core/accounts-service.js';
import { clientContext, requireAccessToken } from '../credentials.js';
import type { AppPassword } from '../../core/mfa/ports.js';
import { useDialect } from '../dialect.js';
import { sendProblem, sendResult } from '../jwt-api/envelope.js';
import {
  confirmTotpRoute,
  createAppPasswordRoute,
  listAppPasswordsRoute,
  revokeAppPasswordRoute,
  type AppPasswordBody,
  disableTotpRoute,
  mfaLoginRoute,
  mfaStatusRoute,
  regenerateCodesRoute,
  startTotpRoute,
  type MfaLoginBody,
  type ProofBody,
} from './json-schemas.js';

/** An app password as the JWT and admin APIs list it (never its secret). */
export function appPasswordView(p: AppPassword): object {
  return { id: p.id, name: p.name, created: new Date(p.createdAt).toISOString(), lastUsed: p.lastUsedAt === null ? null : new Date(p.lastUsedAt).toISOString() };
}

/** Registers the second-factor routes on an encapsulated scope (prefix /api/v1/account). */
export async function jsonSecondFactorRoutes(app: FastifyInstance, opts: { service: AccountsService }): Promise<void> {
  const { service } = opts;
  const mfa = service.secondFactor;
  useDialect(app, sendProblem);

  async function accountOf(req: FastifyRequest): Promise<string> {
    return (await requireAccessToken(service, req)).account.id;
  }

  app.post<{ Body: MfaLoginBody }>('/login/mfa', { schema: mfaLoginRoute }, async (req, reply) => {
    const pair = await mfa.completeTokenLogin(req.body.mfaToken, req.body.code, clientContext(req));
    return sendResult(reply, { token: { access: pair.access, refresh: pair.refresh } });
  });

  app.get('/mfa', { schema: mfaStatusRoute }, async (req, reply) => sendResult(reply, await mfa.status(await accountOf(req))));

  app.post<{ Body: ProofBody }>('/mfa/totp', { schema: startTotpRoute }, async (req, reply) => {
    const enrolment = await mfa.startTotpEnrolment(await accountOf(req), req.body, clientContext(req));
    return sendResult(reply, { secret: enrolment.secret, uri: enrolment.uri });
  });

  app.post<{ Body: { code: string } }>('/mfa/totp/confirm', { schema: confirmTotpRoute }, async (req, reply) => {
    const recoveryCodes = await mfa.confirmTotpEnrolment(await accountOf(req), req.body.code, clientContext(req));
    return sendResult(reply, { recoveryCodes });
  });

  app.post<{ Body: ProofBody }>('/mfa/totp/disable', { schema: disableTotpRoute }, async (req, reply) => {
    await mfa.disableTotp(await accountOf(req), req.body, clientContext(req));
    return sendResult(reply, {});
  });

  app.post<{ Body: ProofBody }>('/mfa/recovery-codes', { schema: regenerateCodesRoute }, async (req, reply) => {
    const recoveryCodes = await mfa.regenerateRecoveryCodes(await accountOf(req), req.body, clientContext(req));
    return sendResult(reply, { recoveryCodes });
  });

  app.get('/app-passwords', { schema: listAppPasswordsRoute }, async (req, reply) => {
    const list = await mfa.listAppPasswords(await accountOf(req));
    return sendResult(reply, { appPasswords: list.map(appPasswordView) });
  });

  app.post<{ Body: AppPasswordBody }>('/app-passwords', { schema: createAppPasswordRoute }, async (req, reply) => {
    const made = await mfa.createAppPassword(await accountOf(req), req.body.name, req.body, clientContext(req));
    return sendResult(reply, { appPassword: appPasswordView(made.appPassword), password: made.password });
  });

  app.post<{ Params: { id: string }; Body: ProofBody }>('/app-passwords/:id/revoke', { schema: revokeAppPasswordRoute }, async (req, reply) => {
    await mfa.revokeAppPassword(await accountOf(req), req.params.id, req.body, clientContext(req));
    return sendResult(reply, {});
  });
}
