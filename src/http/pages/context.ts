/** What every hosted page needs: the service, the cookie settings, and the visitor's session. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReturnToRule } from '../../config/index.js';
import type { AccountsService, AuthenticatedSession } from '../../core/accounts-service.js';
import { readCsrfCookie, readSessionCookie, setSessionCookies, type CookieSettings, type SessionCookieValues } from '../cookies.js';
import { safeReturnTo } from '../return-to.js';
import { formField } from './form-body.js';
import type { Ui } from '../../ui/index.js';
import { pageView, type PageView } from './view.js';

export interface PagesDeps {
  service: AccountsService;
  settings: CookieSettings;
  /** RETURN_TO_ORIGINS: where a finished flow may send the user back (src/http/return-to.ts). */
  returnTo: readonly ReturnToRule[];
  /** Catalogues, templates and brand (src/ui). */
  ui: Ui;
  /** The clock's now, in ms (for "3 hours ago"). */
  now: () => number;
}

const views = new WeakMap<FastifyRequest, PageView>();
/** The stored language of the request's signed-in visitor (set by currentVisitor), for the page's language. */
const accountLocales = new WeakMap<FastifyRequest, string | null>();

/** The request's page view (made once per request): its language and a `send` that renders a page template (view.ts). */
export function view(deps: PagesDeps, req: FastifyRequest, reply: FastifyReply): PageView {
  let made = views.get(req);
  if (made === undefined) {
    made = pageView(deps.ui, deps.settings, req, reply, accountLocales.get(req) ?? null);
    views.set(req, made);
  }
  return made;
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
  accountLocales.set(req, found.account.locale);
  return { ...found, secret, csrfToken };
}

/** The `token` query parameter, or '' (at most 200 characters are considered). */
export function queryToken(req: FastifyRequest): string {
  const token = (req.query as { token?: unknown }).token;
  return typeof token === 'string' && token.length <= 200 ? token : '';
}

/** The allowed `return_to` of the query string, or null (anything not allow-listed is ignored). */
export function queryReturnTo(deps: PagesDeps, req: FastifyRequest): string | null {
  return safeReturnTo((req.query as { return_to?: unknown }).return_to, deps.returnTo);
}

/** The allowed `return_to` a form carried in its hidden field, or null. */
export function formReturnTo(deps: PagesDeps, req: FastifyRequest): string | null {
  return safeReturnTo(formField(req, 'return_to', 2048), deps.returnTo);
}

/**
 * The end of a flow that signed the user in: the session cookies, then a 303 to the allowed
 * `return_to` (checked again here, whatever carried it) or to /account.
 */
export function finishSignedIn(deps: PagesDeps, reply: FastifyReply, login: SessionCookieValues, target: string | null): FastifyReply {
  setSessionCookies(reply, deps.settings, login);
  return reply.redirect(safeReturnTo(target, deps.returnTo) ?? '/account', 303);
}
