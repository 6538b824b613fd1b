/**
 * The cookie-session RPC accounts API (README, "The cookie-session API"): `POST /accounts/action/?do=<action>` with a
 * JSON body. Mounted under `/accounts` as its own scope with its own cookie parser and error
 * format; the actions live in actions.ts, the error table in errors.ts.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import type { AccountsService } from '../../core/accounts-service.js';
import { cookieSettings } from '../cookies.js';
import { useDialect } from '../dialect.js';
import { ACTION_HANDLERS, type CookieApiDeps } from './actions.js';
import { ACTIONS, sendCookieApiError, unknownActionProblem, type ActionName } from './errors.js';
import { actionRoute, actionWrongMethodRoute } from './schemas.js';

/** What the cookie-session API needs from the app. */
export interface CookieApiOptions {
  service: AccountsService;
  config: Config;
}

const ACTION_PATHS = ['/action/', '/action'];

function isAction(value: unknown): value is ActionName {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}

/** Registers /accounts/action/ (use with `prefix: '/accounts'`). */
export async function cookieApiRoutes(app: FastifyInstance, opts: CookieApiOptions): Promise<void> {
  const deps: CookieApiDeps = { service: opts.service, settings: cookieSettings(opts.config) };
  await app.register(fastifyCookie);

  useDialect(app, (reply, problem, req) => {
    if (problem.code === 'forbidden') req.log.warn({ event: 'csrf_rejected', action: (req.query as { do?: unknown }).do }, 'csrf check failed');
    return sendCookieApiError(reply, problem);
  });

  app.setNotFoundHandler((req, reply) =>
    sendCookieApiError(reply, { status: 404, code: 'not_found', message: `no route for ${req.method} ${req.url.split('?')[0]}` }),
  );

  const dispatch = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const action = (req.query as { do?: unknown }).do;
    if (!isAction(action)) return sendCookieApiError(reply, unknownActionProblem());
    return ACTION_HANDLERS[action](deps, req, reply);
  };

  const notAllowed = async (_req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    reply.header('allow', 'POST');
    return sendCookieApiError(reply, { status: 405, code: 'method_not_allowed', message: 'use POST' });
  };

  for (const url of ACTION_PATHS) {
    app.post(url, { schema: actionRoute }, dispatch);
    app.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url, schema: actionWrongMethodRoute, handler: notAllowed });
  }
}
