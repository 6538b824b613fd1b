/**
 * Metrics over HTTP: the per-request hook, `GET /metrics` on the main port behind METRICS_TOKEN,
 * and the separate METRICS_PORT listener that serves only /metrics.
 *
 * Threat: the metrics reveal traffic and login-failure rates, so on the main port they need
 * `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time: both sides are hashed to
 * the same length first); without a token configured the path does not exist (404). The metrics
 * port has no token: it is meant to be bound to an address only the scraper reaches.
 * Labels never carry a raw URL (a query string can hold a link token): a route is its template.
 */
import { keyDigest, sameBytes } from '../../core/credentials/secrets.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sendProblem } from '../jwt-api/envelope.js';
import { wasSecondStepAsked } from '../mfa/step-marks.js';
import { loginOutcome, loginSurface, secondStepSurface } from './logins.js';
import type { Metrics } from './registry.js';

/** Route label of requests that matched no route (404, 405, bad URL). */
export const UNMATCHED = 'unmatched';

const errorBody = {
  type: 'object',
  properties: {
    ok: { type: 'boolean', const: false },
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] },
  },
  required: ['ok', 'error'],
} as const;

const exposition = {
  description: 'Every metric in the Prometheus text exposition format (version 0.0.4).',
  content: { 'text/plain': { schema: { type: 'string' } } },
} as const;

/** Records a finished request (and, when it is a login, its outcome). Synchronous: it runs on every request. */
export function recordRequest(metrics: Metrics, req: FastifyRequest, reply: FastifyReply): void {
  const route = req.routeOptions.url ?? UNMATCHED;
  const status = reply.statusCode;
  metrics.recordResponse(req.method, route, status, reply.elapsedTime / 1000);
  const surface = loginSurface(req.method, route, req.query);
  if (surface !== null) metrics.recordLogin(surface, wasSecondStepAsked(req) ? 'second_step' : loginOutcome(surface, status, req.headers.authorization));
  const step = secondStepSurface(req.method, route, req.query);
  if (step !== null) metrics.recordSecondStep(step, loginOutcome(step, status, undefined));
}

/** Counts every response of `app` (and its child scopes registered afterwards). */
export function observeRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (req, reply, done) => {
    recordRequest(metrics, req, reply);
    done();
  });
}


/** True when `authorization` is `Bearer <token>` for the expected token's digest. */
function presentsToken(authorization: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer ([^\s]{1,1024})$/i.exec(authorization ?? '');
  return match !== null && sameBytes(keyDigest(match[1] as string), expected);
}

/** Serves `GET /metrics` on the main app, for requests carrying `Authorization: Bearer <token>`. */
export function serveMetrics(app: FastifyInstance, metrics: Metrics, token: string): void {
  const expected = keyDigest(token);
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (needs METRICS_TOKEN)',
        tags: ['ops'],
        security: [{ metricsToken: [] }],
        response: { 200: exposition, 401: errorBody },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      if (!presentsToken(req.headers.authorization, expected)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        return sendProblem(reply, { status: 401, code: 'not_authenticated', message: 'send Authorization: Bearer <METRICS_TOKEN>' });
      }
      return reply.type(metrics.contentType).send(await metrics.render());
    },
  );
}

/**
 * A second, minimal server for METRICS_PORT: `GET /metrics` with no token, 404 for anything
 * else, no request lines in the log (a scraper calls it every few seconds). It never listens
 * by itself; `latchkey serve` does.
 */
export function buildMetricsListener(metrics: Metrics, log: FastifyBaseLogger): FastifyInstance {
  const app = Fastify({
    loggerInstance: log.child({ listener: 'metrics' }),
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
  });
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics on the METRICS_PORT listener (no token; bind it to a private address)',
        tags: ['ops'],
        security: [],
        response: { 200: exposition },
      },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return reply.type(metrics.contentType).send(await metrics.render());
    },
  );
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, { status: 404, code: 'not_found', message: `no route for ${req.method} ${req.url.split('?')[0] ?? '/'}; this port serves GET /metrics only` }),
  );
  return app;
}
