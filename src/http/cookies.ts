/**
 * The cookies of a cookie session, shared by the cookie-session API (README, "The cookie-session API") and the hosted
 * pages, so both set exactly the same thing.
 *
 * Stored: `sessionid` holds the 256-bit session secret (the server keeps only its SHA-256);
 * `csrftoken` holds the session's HMAC-bound CSRF token. Expiry: both cookies live as long as
 * the session's absolute lifetime (Max-Age), while the server also enforces idle and absolute
 * expiry itself. Attacks: the session cookie is HttpOnly (no theft by script), SameSite=Lax and
 * Path=/ with no Domain unless COOKIE_DOMAIN asks for one (no sending from other sites'
 * subresources; sibling hosts only by configuration, docs/security.md "Cookies on sibling subdomains"),
 * Secure under https, and `__Host-` prefixed when configured so no subdomain can plant it
 * (6265bis §4.1.3). The CSRF cookie is readable by script by design (double-submit header).
 * Parsing and serializing go through @fastify/cookie.
 */
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';

/** Names and attributes of the session cookies, derived once from the configuration. */
export interface CookieSettings {
  sessionName: string;
  csrfName: string;
  /** Name of the anonymous-form CSRF cookie of the hosted pages. */
  formName: string;
  secure: boolean;
  /** Seconds; the absolute session lifetime, at most 400 days. */
  maxAge: number;
  /** PUBLIC_URL's origin, for Origin/Referer checks. */
  publicOrigin: string;
  /** COOKIE_DOMAIN: the Domain of the session and CSRF cookies (never of the form cookie); null: host-only. */
  domain: string | null;
}

const MAX_COOKIE_AGE = 400 * 86400;

/** The cookie settings for a configuration (prefixing names with `__Host-` when asked and on https). */
export function cookieSettings(config: Config): CookieSettings {
  const secure = new URL(config.publicUrl).protocol === 'https:';
  const prefix = secure && config.cookieHostPrefix ? '__Host-' : '';
  return {
    sessionName: prefix + config.sessionCookieName,
    csrfName: prefix + config.csrfCookieName,
    formName: prefix + 'latchkey_form',
    secure,
    maxAge: Math.min(config.sessionAbsoluteTtl, MAX_COOKIE_AGE),
    publicOrigin: new URL(config.publicUrl).origin,
    domain: config.selfService.cookieDomain,
  };
}

// With COOKIE_DOMAIN the session reaches sibling hosts, whose back ends forward it to
// /api/v1/introspect (README "Apps on sibling subdomains"); config refuses it with __Host- or http.
function domainOf(settings: CookieSettings): { domain?: string } {
  return settings.domain === null ? {} : { domain: settings.domain };
}

/** The values a login hands to the browser. */
export interface SessionCookieValues {
  sessionSecret: string;
  csrfToken: string;
}

/** Sets the session and CSRF cookies after a login. */
export function setSessionCookies(reply: FastifyReply, settings: CookieSettings, values: SessionCookieValues): void {
  const common = { path: '/', sameSite: 'lax' as const, secure: settings.secure, maxAge: settings.maxAge, ...domainOf(settings) };
  reply.setCookie(settings.sessionName, values.sessionSecret, { ...common, httpOnly: true });
  reply.setCookie(settings.csrfName, values.csrfToken, { ...common, httpOnly: false });
}

function clearedCookie(settings: CookieSettings) {
  return { path: '/', sameSite: 'lax' as const, secure: settings.secure, maxAge: 0, ...domainOf(settings) };
}

/** Clears both session cookies (Max-Age=0). */
export function clearSessionCookies(reply: FastifyReply, settings: CookieSettings): void {
  reply.setCookie(settings.sessionName, '', { ...clearedCookie(settings), httpOnly: true });
  reply.setCookie(settings.csrfName, '', { ...clearedCookie(settings), httpOnly: false });
}

/** The Set-Cookie lines that clear both session cookies, for an answer Fastify does not send (the OIDC provider's). */
export function clearedSessionCookieLines(settings: CookieSettings): string[] {
  return [
    fastifyCookie.serialize(settings.sessionName, '', { ...clearedCookie(settings), httpOnly: true }),
    fastifyCookie.serialize(settings.csrfName, '', { ...clearedCookie(settings), httpOnly: false }),
  ];
}

/** The session cookie's value in a raw Cookie header, or null. */
export function sessionCookieIn(cookieHeader: string | undefined, settings: CookieSettings): string | null {
  if (!cookieHeader) return null;
  const value = fastifyCookie.parse(cookieHeader)[settings.sessionName];
  return value ? value : null;
}

/** The `sessionid` cookie value, or null when absent or empty. */
export function readSessionCookie(req: FastifyRequest, settings: CookieSettings): string | null {
  const value = req.cookies[settings.sessionName];
  return value ? value : null;
}

/** The `csrftoken` cookie value, or null when absent or empty. */
export function readCsrfCookie(req: FastifyRequest, settings: CookieSettings): string | null {
  const value = req.cookies[settings.csrfName];
  return value ? value : null;
}
