/** Credential extraction from requests. Parsing only: the core decides what a credential is worth. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountsService, AuthenticatedSession } from '../core/accounts-service.js';
import { AuthError } from '../core/errors.js';
import type { ClientContext, Surface } from '../core/ports.js';
import { accessTokenRequired } from '../core/tokens/token-sessions.js';
import { acceptedLanguages } from '../ui/index.js';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The bearer token of the Authorization header; NOT_AUTHENTICATED (the JWT API's 401) when absent or malformed. */
export function requireBearer(req: FastifyRequest): string {
  const token = bearerToken(req);
  if (!token) throw new AuthError('NOT_AUTHENTICATED', 'send a token as Authorization: Bearer <token>');
  return token;
}

/** The live session behind the request's access token; NOT_AUTHENTICATED when there is none. */
export async function requireAccessToken(service: Pick<AccountsService, 'resolveAccessToken'>, req: FastifyRequest): Promise<AuthenticatedSession> {
  const found = await service.resolveAccessToken(requireBearer(req));
  if (found === null) throw accessTokenRequired();
  return found;
}

/** The bearer token of the Authorization header, or null when absent or malformed. */
export function bearerToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length > 8192) return null;
  const match = BEARER.exec(header);
  return match ? (match[1] ?? null) : null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The surface (API style) a route belongs to, stamped by mountSurface where the scope is mounted. */
    surface?: Surface;
  }
}

/**
 * Stamps every route registered in `scope` (and the scopes inside it) with `surface`: the code
 * that mounts an API style names it (src/http/app.ts), so nothing here repeats the mount prefixes.
 */
export function mountSurface(scope: FastifyInstance, surface: Surface): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, surface };
  });
}

/** The surface of the route a request matched; 'page' for the routes mounted at the root and for a request no route matched. */
export function surfaceOf(req: FastifyRequest): Surface {
  return req.routeOptions.config?.surface ?? 'page';
}

/**
 * The client's address, user agent, request id and surface, as recorded on sessions and audit
 * events. `surface` overrides the route's own (surfaceOf).
 */
export function clientContext(req: FastifyRequest, surface?: Surface): ClientContext {
  const ua = req.headers['user-agent'];
  // The language a new account's emails are written in (docs/branding.md#language): the best shipped one the request accepts.
  const language = acceptedLanguages(req.headers['accept-language'])[0] ?? null;
  const socket = req.raw.socket as { destroyed?: boolean } | null | undefined;
  // The socket, not the request: Node destroys a request once its body has been read.
  const gone = (): boolean => socket?.destroyed === true;
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua : null, requestId: req.id, surface: surface ?? surfaceOf(req), language, gone };
}
