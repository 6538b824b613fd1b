/**
 * Builds the HTTP application; never listens (the CLI does, tests use inject). Every surface
 * is mounted here as its own encapsulated scope with its own error format.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config/index.js';
import type { AdminService } from '../core/admin/index.js';
import type { AuditLog } from '../core/audit/ports.js';
import type { DevMailbox } from '../core/dev-mail/ports.js';
import type { Clock, Surface } from '../core/ports.js';
import type { AccountsService } from '../core/accounts-service.js';
import type { ServiceAccess } from '../core/service-access/index.js';
import { adminApiRoutes } from './admin/index.js';
import { useAuditHooks } from './audit.js';
import { mountSurface } from './credentials.js';
import { cookieApiRoutes } from './cookie-api/index.js';
import { devMailRoutes } from './dev-mail.js';
import { useCors } from './cors.js';
import { useInflightLimit } from './inflight-limit.js';
import { hostedPages } from './pages/index.js';
import { basicAccountRoutes } from './basic-api/index.js';
import { registerJsonParser } from './json-body.js';
import { normalizeRequestUrl } from './request-url.js';
import { jwtApiAccountRoutes } from './jwt-api/account-routes.js';
import { jwtApiSessionRoutes } from './jwt-api/session-routes.js';
import { sendProblem } from './jwt-api/envelope.js';
import { jwtApiSelfServiceRoutes } from './jwt-api/self-service-routes.js';
import { jsonSecondFactorRoutes } from './mfa/json-routes.js';
import { useOpenApi } from './openapi/index.js';
import { healthzRoute, jwksRoute, readyzRoute } from './openapi/ops-schemas.js';
import { observeRequests, recordRequest, serveMetrics } from './metrics/routes.js';
import type { Metrics } from './metrics/registry.js';
import { describeError, useProblems } from './problems.js';
import { AuthError, type OutageClassifier } from '../core/errors.js';
import { serviceApiRoutes } from './service-api/index.js';
import { oidcRoutes, type OidcRoutesOptions } from './oidc/index.js';
import { oidcReturn } from './oidc/return.js';
import { HSTS, useTransportSecurity } from './transport-security.js';
import { createUi, type Ui } from '../ui/index.js';

export interface AppDeps {
  service: AccountsService;
  /** The public JWT key set. */
  jwks: () => { keys: Array<Record<string, unknown>> };
  /** True when the database answers and its schema is current. */
  checkReady: () => Promise<boolean>;
  /** Recognises an unreachable database or Redis (answered 503); the CLI wiring passes the store's. */
  isOutage: OutageClassifier;
  /** A logger made before the app (src/cli/logger.ts), or Fastify logger options or false; tests pass a stream to capture logs. */
  logger: FastifyServerOptions['logger'] | FastifyBaseLogger;
  /** The configuration (public origin, cookie names and lifetimes). */
  config: Config;
  /** Where HTTP-side security events (CSRF refusals) are recorded. */
  audit?: AuditLog;
  /** The core's clock, for the HTTP-side budgets (the CSRF refusal window); the system clock when absent. */
  clock?: Clock;
  /** Prometheus metrics: every response is counted; `/metrics` is served when METRICS_TOKEN is set. */
  metrics?: Metrics;
  /** Service keys and introspection (`POST /api/v1/introspect`); the route exists only when given. */
  services?: ServiceAccess;
  /** The admin flows; /api/v1/admin exists only when given and ADMIN_API_KEY is set. */
  admin?: AdminService;
  /** The dev outbox reader: GET /dev/mail exists only when given (src/cli/dev-mailbox.ts decides). */
  devMail?: DevMailbox;
  /** The OpenID Connect provider and its core access (OIDC_PROVIDER=on); its routes exist only when given. */
  oidc?: Pick<OidcRoutesOptions, 'provider' | 'access'>;
  /** Catalogues, templates and brand (src/ui); built from `config` when absent. */
  ui?: Ui;
}

export const BODY_LIMIT = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Builds the Fastify app with every surface mounted. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const logger = deps.logger;
  // Read once here, never per request (docs/branding.md).
  const ui = deps.ui ?? createUi({ brand: deps.config.brand, publicUrl: deps.config.publicUrl });
  const app = Fastify({
    ...(typeof logger === 'object' && 'child' in logger ? { loggerInstance: logger } : { logger }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    // One spelling of the path for the router and every hook: slashes merged, unreserved escapes decoded.
    rewriteUrl: (req) => normalizeRequestUrl(req.url ?? '/'),
    requestTimeout: deps.config.requestTimeout * 1000,
    // Node enforces requestTimeout only when headersTimeout is not longer (its default is 60 s), and
    // checks every connectionsCheckingInterval: so a slow-body client is cut at REQUEST_TIMEOUT
    // (30 s by default) plus at most 5 s (docs/security.md#sec-61).
    http: {
      headersTimeout: deps.config.requestTimeout * 1000,
      connectionsCheckingInterval: Math.min(5_000, deps.config.requestTimeout * 250),
    },
    connectionTimeout: 60_000,
    return503OnClosing: true,
    requestIdHeader: false,
    // TRUST_PROXY: only these proxies' X-Forwarded-For counts; unset, req.ip is the socket's address.
    trustProxy: deps.config.trustProxy ?? false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    // A URL the router cannot take (bad %-encoding): no hook runs, so this does their work.
    frameworkErrors: (err, req, reply) => {
      reply.header('x-request-id', req.id);
      reply.header('x-content-type-options', 'nosniff');
      if (deps.config.publicUrl.startsWith('https://')) reply.header('strict-transport-security', HSTS);
      reply.raw.once('finish', () => {
        req.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
        if (deps.metrics) recordRequest(deps.metrics, req, reply);
      });
      sendProblem(reply, describeError(err, deps.isOutage));
    },
  });

  useProblems(app, deps.isOutage);
  registerJsonParser(app);
  // First, before any route: its onRoute hook collects every route of every scope for /openapi.json.
  useOpenApi(app, deps.config);

  // Callback-style hooks: they run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    reply.header('x-content-type-options', 'nosniff');
    // No parameter accepts a NUL character, and PostgreSQL refuses it in text (bodies: json-body.ts).
    if (req.url.includes('%00')) return done(new AuthError('INVALID_INPUT', 'the URL contains a NUL character (%00)'));
    done();
  });
  if (deps.metrics) observeRequests(app, deps.metrics);
  useTransportSecurity(app, deps.config.publicUrl);
  useCors(app, deps.config.corsOrigins);
  useInflightLimit(app, deps.config.maxInflightPerAddress, deps.metrics);

  if (deps.audit) useAuditHooks(app, deps.audit, new URL(deps.config.publicUrl).origin, deps.clock ?? { now: () => Date.now() });

  app.setErrorHandler((err, req, reply) => {
    const problem = app.describeProblem(err);
    if (problem.unexpected) req.log.error({ err }, 'unexpected error');
    return sendProblem(reply, problem);
  });

  // A known path with another method is 405 with Allow (docs/security.md#sec-63), anything else 404.
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((method) => app.hasRoute({ url: path, method }));
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, { status: 405, code: 'method_not_allowed', message: `use ${allowed.join(' or ')} for ${path}` });
    }
    return sendProblem(reply, { status: 404, code: 'not_found', message: `no route for ${req.method} ${path}` });
  });

  app.get('/healthz', { schema: healthzRoute }, async () => ({ ok: true }));
  app.get('/readyz', { schema: readyzRoute }, async (_req, reply) => {
    const ready = await deps.checkReady().catch(() => false);
    return reply.code(ready ? 200 : 503).send({ ok: ready });
  });
  app.get('/.well-known/jwks.json', { schema: jwksRoute }, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return deps.jwks();
  });
  if (deps.metrics && deps.config.metricsToken) serveMetrics(app, deps.metrics, deps.config.metricsToken);

  mount(app, 'jwt', '/api/v1/account', jwtApiAccountRoutes, { service: deps.service });
  mount(app, 'jwt', '/api/v1/account', jwtApiSessionRoutes, { service: deps.service });
  mount(app, 'jwt', '/api/v1/account', jwtApiSelfServiceRoutes, { service: deps.service, returnTo: deps.config.selfService.returnTo });
  mount(app, 'jwt', '/api/v1/account', jsonSecondFactorRoutes, { service: deps.service });
  mount(app, 'basic', '/api', basicAccountRoutes, { service: deps.service, publicOrigin: deps.config.publicUrl, corsOrigins: deps.config.corsOrigins });
  mount(app, 'cookie', '/accounts', cookieApiRoutes, { service: deps.service, config: deps.config });
  const now = deps.clock ? () => (deps.clock as Clock).now() : Date.now;
  const oidcReturnTo = deps.oidc ? { oidcReturn: oidcReturn(deps.oidc.provider, deps.oidc.access, deps.config.publicUrl) } : {};
  mount(app, 'page', '', hostedPages, { service: deps.service, config: deps.config, ui, now, ...oidcReturnTo });
  if (deps.devMail) devMailRoutes(app, deps.devMail);
  if (deps.oidc) app.register(oidcRoutes, { ...deps.oidc, service: deps.service, config: deps.config, ui });
  if (deps.services) mount(app, 'service', '/api/v1', serviceApiRoutes, { services: deps.services });
  if (deps.admin && deps.config.adminApiKey !== null) {
    mount(app, 'admin', '/api/v1/admin', adminApiRoutes, { admin: deps.admin, apiKey: deps.config.adminApiKey, audit: deps.audit });
  }
  return app;
}

/**
 * Registers one API style's routes at `prefix` in a scope of their own, every route stamped with
 * the surface it serves (recorded on audit events; credentials.ts). The table of API styles:
 * docs/architecture.md.
 */
function mount<Options extends object>(
  app: FastifyInstance,
  surface: Surface,
  prefix: string,
  routes: (scope: FastifyInstance, options: Options) => Promise<void> | void,
  options: Options,
): void {
  app.register(
    async (scope) => {
      mountSurface(scope, surface);
      await scope.register(routes as FastifyPluginAsync<Options>, options);
    },
    prefix ? { prefix } : {},
  );
}
