/** What every hosted page needs: the service, the cookie settings, and the visitor's session. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReturnToRule } from '../../config/index.js';
import type { AccountsService, AuthenticatedSession } from '../../core/service.js';
import { readCsrfCookie, readSessionCookie, setSessionCookies, type CookieSettings, type SessionCookieValues } from '../cookies.js';
import { safeReturnTo } from '../return-to.js';
import { formField } from './form-body.js';

export interface PagesContext {
  service: AccountsService;
  settings: CookieSettings;
  /** RETURN_TO_ORIGINS: where a finished flow may send the user back (src/http/return-to.ts). */
  returnTo: readonly ReturnToRule[];
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
export async function currentVisitor(ctx: PagesContext, req: FastifyRequest): Promise<Visitor | null> {
  const secret = readSessionCookie(req, ctx.settings);
  if (secret === null) return null;
  const found = await ctx.service.resolveCookieSession(secret);
  if (found === null) return null;
  const csrfToken = readCsrfCookie(req, ctx.settings);
  if (csrfToken === null || csrfToken.length > 200 || !ctx.service.isValidCsrfToken(found.session.id, csrfToken)) return null;
  return { ...found, secret, csrfToken };
}

/** The `token` query parameter, or '' (at most 200 characters are considered). */
export function queryToken(req: FastifyRequest): string {
  const token = (req.query as { token?: unknown }).token;
  return typeof token === 'string' && token.length <= 200 ? token : '';
}

/** The allowed `return_to` of the query string, or null (anything not allow-listed is ignored). */
export function queryReturnTo(ctx: PagesContext, req: FastifyRequest): string | null {
  return safeReturnTo((req.query as { return_to?: unknown }).return_to, ctx.returnTo);
}

/** The allowed `return_to` a form carried in its hidden field, or null. */
export function formReturnTo(ctx: PagesContext, req: FastifyRequest): string | null {
  return safeReturnTo(formField(req, 'return_to', 2048), ctx.returnTo);
}

/**
 * The end of a flow that signed the user in: the session cookies, then a 303 to the allowed
 * `return_to` (checked again here, whatever carried it) or to /account.
 */
export function finishSignedIn(ctx: PagesContext, reply: FastifyReply, login: SessionCookieValues, target: string | null): FastifyReply {
  setSessionCookies(reply, ctx.settings, login);
  return reply.redirect(safeReturnTo(target, ctx.returnTo) ?? '/account', 303);
}
