/**
 * CORS for the exact origins listed in CORS_ORIGINS and for no other (docs/security.md#sec-31, ASVS
 * 3.4.2). The attack: a page on any site reading our answers (who the visitor is, their tokens)
 * with the visitor's cookies, which a server that echoes every Origin with
 * `Access-Control-Allow-Credentials: true` allows.
 *
 * A listed origin gets `Access-Control-Allow-Origin: <that origin>` and credentials on every
 * answer, and its preflights (OPTIONS with Access-Control-Request-Method) are answered 204 with
 * explicit methods, request headers and a 10-minute Max-Age. Any other origin, `null` included,
 * gets no CORS header at all, so the browser keeps the answer from its page. Every response
 * says `Vary: Origin`, since what it carries depends on the Origin. With no origin listed (the
 * default) nothing is installed. CORS only lets a page read answers: the cookie API's and the
 * pages' own Origin and CSRF checks still apply to a listed origin (src/http/csrf.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

export const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE';
export const CORS_REQUEST_HEADERS = 'Authorization, Content-Type, X-CSRFToken, X-Request-Id';
export const CORS_EXPOSED_HEADERS = 'Retry-After, WWW-Authenticate, X-Request-Id';
export const CORS_MAX_AGE = 600;

function addVaryOrigin(reply: FastifyReply): void {
  const current = reply.getHeader('vary');
  if (current === undefined) reply.header('vary', 'Origin');
  else if (!/(^|,)\s*origin\s*(,|$)/i.test(String(current))) reply.header('vary', `${String(current)}, Origin`);
}

/** Answers CORS for `origins` (exact, as browsers send them in Origin); installs nothing when empty. */
export function useCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const listed = new Set(origins);
  app.addHook('onRequest', (req, reply, done) => {
    addVaryOrigin(reply);
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !listed.has(origin)) return done();
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
    if (req.method === 'OPTIONS' && typeof req.headers['access-control-request-method'] === 'string') {
      reply.header('access-control-allow-methods', CORS_METHODS);
      reply.header('access-control-allow-headers', CORS_REQUEST_HEADERS);
      reply.header('access-control-max-age', String(CORS_MAX_AGE));
      reply.code(204).send();
      return;
    }
    reply.header('access-control-expose-headers', CORS_EXPOSED_HEADERS);
    done();
  });
}
