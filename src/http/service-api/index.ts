/**
 * The service-to-service API (docs/decisions.md, "Service access and introspection"): `POST /api/v1/introspect`. A back-end service sends its
 * own key as `Authorization: Bearer lks_...` and one user credential; the answer is RFC 7662's
 * shape in the JWT API envelope. The key is checked (and counted against its rate limit) before
 * the body is even parsed, so an unauthenticated caller learns nothing about the body rules.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientContext } from '../../core/ports.js';
import { AuthError } from '../../core/errors.js';
import type { ServiceKey } from '../../core/service-access/ports.js';
import type { IntrospectionSubject, ServiceAccess } from '../../core/service-access/index.js';
import { bearerToken, clientContext } from '../credentials.js';
import { useDialect } from '../dialect.js';
import { sendProblem, sendResult } from '../jwt-api/envelope.js';
import { introspectSchema, type IntrospectBody } from './schemas.js';

function serviceContext(req: FastifyRequest): ClientContext {
  return { ...clientContext(req), requestId: req.id, surface: 'service' };
}

function subjectOf(body: IntrospectBody): IntrospectionSubject {
  if (body.session !== undefined && body.token === undefined) return { session: body.session };
  if (body.token !== undefined && body.session === undefined) return { token: body.token };
  throw new AuthError('INVALID_INPUT', 'send exactly one of "session" (a sessionid cookie value) or "token" (an access or refresh token)');
}

/** Registers /introspect on an encapsulated scope with the JWT API error format. */
export async function serviceApiRoutes(app: FastifyInstance, opts: { services: ServiceAccess }): Promise<void> {
  const { services } = opts;
  const authenticated = new WeakMap<FastifyRequest, ServiceKey>();

  useDialect(app, (reply, problem) => {
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="latchkey-services"');
    return sendProblem(reply, problem);
  });

  // Runs before the body is parsed: no key, no further work.
  app.addHook('onRequest', async (req) => {
    authenticated.set(req, await services.authenticateService(bearerToken(req), serviceContext(req)));
  });

  app.post<{ Body: IntrospectBody }>('/introspect', { schema: introspectSchema }, async (req, reply) => {
    const service = authenticated.get(req);
    if (!service) throw new Error('introspect reached without an authenticated service');
    const result = await services.introspect(service, subjectOf(req.body), serviceContext(req));
    return sendResult(reply, result);
  });
}
