/** Credential extraction from requests. Parsing only: the core decides what a credential is worth. */
import type { FastifyRequest } from 'fastify';
import type { ClientContext, Surface } from '../core/ports.js';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The bearer token of the Authorization header, or null when absent or malformed. */
export function bearerToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length > 8192) return null;
  const match = BEARER.exec(header);
  return match ? (match[1] ?? null) : null;
}

// The surface of a path, first match wins; anything else is a hosted page.
const SURFACES: Array<[prefix: string, surface: Surface]> = [
  ['/api/v1/admin', 'admin'],
  ['/api/v1/introspect', 'service'],
  ['/api/v1/', 'jwt'],
  ['/api/', 'basic'],
  ['/accounts/', 'cookie'],
];

/** The surface a request came through, from its path. */
export function surfaceOf(req: FastifyRequest): Surface {
  const path = req.url;
  return SURFACES.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'page';
}

/**
 * The client's address, user agent, request id and surface, as recorded on sessions and audit
 * events. `surface` overrides the one derived from the path.
 */
export function clientContext(req: FastifyRequest, surface?: Surface): ClientContext {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua : null, requestId: req.id, surface: surface ?? surfaceOf(req) };
}
