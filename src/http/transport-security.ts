/**
 * Transport security when PUBLIC_URL is https (docs/security.md#sec-64; ASVS 3.4.1, 4.1.2). Latchkey
 * itself speaks plain HTTP to the TLS-terminating proxy in front of it, so it relies on the
 * proxy's `X-Forwarded-Proto` to know how the client connected:
 *
 * - Every response carries `Strict-Transport-Security: max-age=31536000; includeSubDomains`, so
 *   a browser that reached us once over https never tries plain HTTP again. Under an http
 *   PUBLIC_URL it is never sent.
 * - A request marked as plain HTTP (the last `X-Forwarded-Proto` value is `http`) is refused with
 *   403 `https_required` in its surface's error format, never redirected: its credentials have
 *   already crossed the network in the clear, a redirect would teach API clients that this
 *   works, and a redirected POST would resend its body. Only GET and HEAD of the hosted pages
 *   (and the JWKS) are redirected to PUBLIC_URL, as a browser user typing http:// expects; the
 *   health checks answer as usual.
 *
 * The header is believed from any sender, trusted proxy or not: all it can do is get the
 * request refused. Without it (a proxy that does not send it, or a direct client) the request
 * is served; refusing plain HTTP at the proxy is the first line (deploy/nginx.conf).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathOf } from './request-url.js';

export const HSTS = 'max-age=31536000; includeSubDomains';

/** A request that arrived over plain HTTP under an https PUBLIC_URL. */
export class HttpsRequiredError extends Error {
  override name = 'HttpsRequiredError';
  constructor() {
    super('use https: requests over plain HTTP are refused');
  }
}

const API_PREFIXES = ['/api/', '/accounts/', '/metrics'];
const ALWAYS_SERVED = new Set(['/healthz', '/readyz']);

/** True when the proxy in front says the client connected over plain HTTP. */
export function arrivedOverPlainHttp(req: FastifyRequest): boolean {
  const header = req.headers['x-forwarded-proto'];
  if (typeof header !== 'string') return false;
  const last = header.slice(header.lastIndexOf(',') + 1).trim().toLowerCase();
  return last === 'http';
}

/** Adds HSTS to every response and refuses plain HTTP, when `publicUrl` is https; nothing otherwise. */
export function useTransportSecurity(app: FastifyInstance, publicUrl: string): void {
  if (!publicUrl.startsWith('https://')) return;
  app.addHook('onRequest', (req, reply, done) => {
    if (!arrivedOverPlainHttp(req)) {
      reply.header('strict-transport-security', HSTS);
      return done();
    }
    // req.url is already normalized (request-url.ts): the path the router serves.
    const path = pathOf(req.url);
    if (ALWAYS_SERVED.has(path)) return done();
    const isApi = path === '/api' || path === '/accounts' || API_PREFIXES.some((prefix) => path.startsWith(prefix));
    if (isApi || (req.method !== 'GET' && req.method !== 'HEAD')) return done(new HttpsRequiredError());
    reply.code(301).header('location', `${publicUrl}${req.url}`).send();
  });
}
