/**
 * Builds the HTTP application; never listens (the CLI does, tests use inject). Every surface
 * is mounted here as its own encapsulated scope with its own error format.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config/index.js';
import type { AccountsService } from '../core/service.js';
import { cookieApiRoutes } from './cookie-api/index.js';
import { hostedPages } from './pages/index.js';
import { basicAccountRoutes } from './basic/index.js';
import { registerJsonParser } from './json-body.js';
import { nativeAccountRoutes } from './native/account-routes.js';
import { sendProblem } from './native/envelope.js';
import { describeError } from './problems.js';

export interface AppDeps {
  service: AccountsService;
  /** The public JWT key set. */
  jwks: () => { keys: Array<Record<string, unknown>> };
  /** True when the database answers and its schema is current. */
  checkReady: () => Promise<boolean>;
  /** Fastify logger options or false; tests pass a stream to capture logs. */
  logger: FastifyServerOptions['logger'];
  /** The configuration (public origin, cookie names and lifetimes). */
  config: Config;
}

export const BODY_LIMIT = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Builds the Fastify app with every surface mounted. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: deps.logger,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });

  registerJsonParser(app);

  // Callback-style hooks: they run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    reply.header('x-content-type-options', 'nosniff');
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const problem = describeError(err);
    if (problem.unexpected) req.log.error({ err }, 'unexpected error');
    return sendProblem(reply, problem);
  });

  // A known path with another method is 405 with Allow (checklist item 63), anything else 404.
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((method) => app.hasRoute({ url: path, method }));
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, { status: 405, code: 'method_not_allowed', message: `use ${allowed.join(' or ')} for ${path}` });
    }
    return sendProblem(reply, { status: 404, code: 'not_found', message: `no route for ${req.method} ${path}` });
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const ready = await deps.checkReady().catch(() => false);
    return reply.code(ready ? 200 : 503).send({ ok: ready });
  });
  app.get('/.well-known/jwks.json', async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return deps.jwks();
  });

  app.register(nativeAccountRoutes, { prefix: '/api/v1/account', service: deps.service });
  app.register(basicAccountRoutes, { prefix: '/api', service: deps.service, publicOrigin: deps.config.publicUrl });
  app.register(cookieApiRoutes, { prefix: '/accounts', service: deps.service, config: deps.config });
  app.register(hostedPages, { service: deps.service, config: deps.config });
  return app;
}
