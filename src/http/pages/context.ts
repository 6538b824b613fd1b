/** What every hosted page needs: the service, the cookie settings, and the visitor's session. */
import type { FastifyRequest } from 'fastify';
import type { AccountsService, AuthenticatedSession } from '../../core/accounts-service.js';
import { readCsrfCookie, readSessionCookie, type CookieSettings } from '../cookies.js';

export interface PagesDeps {
  service: AccountsService;
  settings: CookieSettings;
}

/** A logged-in visitor: the session, its account, its secret and its CSRF token for forms. */
export interface Visitor extends AuthenticatedSession {
  secret: string;
  csrfToken: string;
}

/**
 * The visitor's live cookie session with a valid CSRF cookie, or null. A session whose CSRF
 * cookie is missing or wrong could post no form, so the pages treat it as logged out. An
 * unreachable database is not "logged out": it throws, and the page answers 503.
 */
export async function currentVisitor(deps: PagesDeps, req: FastifyRequest): Promise<Visitor | null> {
  const secret = readSessionCookie(req, deps.settings);
  if (secret === null) return null;
  const found = await deps.service.resolveCookieSession(secret);
  if (found === null) return null;
  const csrfToken = readCsrfCookie(req, deps.settings);
  if (csrfToken === null || csrfToken.length > 200 || !deps.service.isValidCsrfToken(found.session.id, csrfToken)) return null;
  return { ...found, secret, csrfToken };
}

/** The `token` query parameter, or '' (at most 200 characters are considered). */
export function queryToken(req: FastifyRequest): string {
  const token = (req.query as { token?: unknown }).token;
  return typeof token === 'string' && token.length <= 200 ? token : '';
}
