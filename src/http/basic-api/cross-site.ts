/**
 * The Basic dialect refuses, with 403 and before reading any body, every request other than
 * GET/HEAD/OPTIONS that a browser says comes from another site: `Sec-Fetch-Site: cross-site`, an
 * Origin (or, without one, a Referer) other than PUBLIC_URL's origin, or `Origin: null` (a page
 * hiding its origin: sandboxed frames, some redirects, `Referrer-Policy: no-referrer` on a no-cors
 * request). An origin listed in CORS_ORIGINS is exempt here, as it is trusted to call the API
 * from its pages; a change authenticated by Basic credentials is still refused from any other
 * origin (index.ts), since a browser may attach cached credentials on its own.
 *
 * Why: a body without Content-Type is read as JSON (json-bodies.ts), and a page on any site can
 * send one without a CORS preflight (fetch or XMLHttpRequest with a Blob of no type or an
 * ArrayBuffer body, navigator.sendBeacon with such a Blob). Every such browser request carries
 * Origin (a POST always does) and, on https, Sec-Fetch-Site; non-browser clients send neither,
 * so they are not affected. docs/decisions.md, "Basic API: bodies without a Content-Type".
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError } from '../../core/errors.js';
import { requestSource } from '../csrf.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True when a browser says `req` was sent by a page of another site that CORS_ORIGINS does not list. */
export function sentByAnotherSite(req: FastifyRequest, publicOrigin: string, corsOrigins: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (typeof origin === 'string' && corsOrigins.has(origin)) return false;
  return origin === 'null' || requestSource(req, publicOrigin) === 'foreign';
}

/** Adds the refusal to the Basic scope. */
export function refuseCrossSiteRequests(app: FastifyInstance, publicOrigin: string, corsOrigins: readonly string[]): void {
  const listed = new Set(corsOrigins);
  app.addHook('onRequest', (req, _reply, done) => {
    if (READS.has(req.method) || !sentByAnotherSite(req, publicOrigin, listed)) return done();
    done(new AuthError('FORBIDDEN', 'a request sent by a page of another site cannot use this API'));
  });
}
