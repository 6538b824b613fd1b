/**
 * The JWT API, the account routes (README, "The JSON API"): register, login, logout, refresh, me.
 * Each route parses, calls one service function and formats; the rules live in the core.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError } from '../../core/errors.js';
import { isMfaRequired } from '../../core/mfa/errors.js';
import { sendMfaRequired } from '../mfa/mfa-required.js';
import type { Account } from '../../core/accounts/ports.js';
import type { AccountsService, TokenPair } from '../../core/accounts-service.js';
import { bearerToken, clientContext, requireAccessToken, requireBearer } from '../credentials.js';
import { useDialect } from '../dialect.js';
import { sendProblem, sendResult } from './envelope.js';
import {
  loginRoute,
  logoutRoute,
  meRoute,
  refreshWithBodyRoute,
  refreshWithHeaderRoute,
  registerRoute,
  type LoginBody,
  type RefreshBody,
  type RegisterBody,
} from './schemas.js';

function tokenResult(pair: TokenPair): object {
  return { token: { access: pair.access, refresh: pair.refresh } };
}

/** The public view of an account: nothing secret. */
export function accountView(account: Account): object {
  return {
    id: account.id,
    username: account.username,
    email: account.email,
    status: account.status,
    created: new Date(account.createdAt).toISOString(),
    emailVerified: account.emailVerifiedAt !== null,
    hasPassword: account.passwordHash !== null,
    locale: account.locale,
  };
}

/** Registers /api/v1/account/* on an encapsulated scope with the JWT API error format. */
export async function jwtApiAccountRoutes(app: FastifyInstance, opts: { service: AccountsService }): Promise<void> {
  const { service } = opts;

  useDialect(app, sendProblem);

  app.post<{ Body: RegisterBody }>('/register', { schema: registerRoute }, async (req, reply) => {
    await service.registerAccount(req.body, clientContext(req));
    return sendResult(reply, {});
  });

  app.post<{ Body: LoginBody }>('/login', { schema: loginRoute }, async (req, reply) => {
    const pair = await service.loginForTokens(req.body.username, req.body.password, clientContext(req)).catch((err: unknown) => {
      if (isMfaRequired(err)) return err;
      throw err;
    });
    return isMfaRequired(pair) ? sendMfaRequired(reply, pair) : sendResult(reply, tokenResult(pair));
  });

  app.delete('/logout', { schema: logoutRoute }, async (req, reply) => {
    await service.logoutAccessToken(requireBearer(req), clientContext(req));
    return sendResult(reply, {});
  });

  // No automatic HEAD: it would run this handler, rotate the token and drop the new pair.
  app.get('/refresh', { schema: refreshWithHeaderRoute, exposeHeadRoute: false }, async (req, reply) => {
    const pair = await service.rotateRefreshToken(requireBearer(req), clientContext(req));
    return sendResult(reply, tokenResult(pair));
  });

  app.post<{ Body: RefreshBody }>('/refresh', { schema: refreshWithBodyRoute }, async (req, reply) => {
    const pair = await service.rotateRefreshToken(req.body.refresh, clientContext(req));
    return sendResult(reply, tokenResult(pair));
  });

  app.get('/me', { schema: meRoute }, async (req, reply) => {
    const { account } = await requireAccessToken(service, req);
    return sendResult(reply, accountView(account));
  });
}
