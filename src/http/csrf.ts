/**
 * Cross-site request forgery checks for everything a browser cookie authenticates.
 *
 * Stored: nothing new for logged-in requests (the session's CSRF token is an HMAC of the
 * session id, checked by the core); for anonymous forms, a random 256-bit token in an HttpOnly,
 * SameSite=Strict cookie that the form echoes in a hidden field (compared in constant time). It
 * expires with the browser session. Attacks: a foreign page making the victim's browser post to
 * us with the victim's cookies (logout, password change), and login CSRF (logging the victim
 * into the attacker's account). A request whose Origin (or, without Origin, Referer) is another
 * site, or whose Sec-Fetch-Site is `cross-site`, is always refused; otherwise a state change
 * needs a valid token, or for the JSON API alone an Origin/Referer of PUBLIC_URL's origin.
 * CORS-simple bodies (text/plain) never reach a JSON route: the parser refuses them with 415.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { addressKey } from '../core/credentials/address-limits.js';
import { AuthError } from '../core/errors.js';
import type { AccountsService } from '../core/service.js';
import type { CookieSettings } from './cookies.js';

/** Where a request says it comes from: our own origin, another site, or it does not say. */
export type RequestSource = 'same-origin' | 'foreign' | 'unknown';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

function originOf(value: string): string | null {
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

/** Classifies a request by Sec-Fetch-Site, Origin and (without Origin) Referer. */
export function requestSource(req: FastifyRequest, publicOrigin: string): RequestSource {
  if (req.headers['sec-fetch-site'] === 'cross-site') return 'foreign';
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== '' && origin !== 'null') {
    return originOf(origin) === publicOrigin ? 'same-origin' : 'foreign';
  }
  if (typeof origin === 'string' && origin === 'null') return 'unknown';
  const referer = req.headers.referer;
  if (typeof referer === 'string' && referer !== '') {
    const refOrigin = originOf(referer);
    if (refOrigin !== null) return refOrigin === publicOrigin ? 'same-origin' : 'foreign';
  }
  return 'unknown';
}

// Errors thrown by these checks, so the audit hook can tell a CSRF refusal from another 403.
const csrfRejections = new WeakSet<Error>();

function forbidden(): AuthError {
  const err = new AuthError('FORBIDDEN', 'the request failed the cross-site request forgery check');
  csrfRejections.add(err);
  return err;
}

/** True when `err` was thrown by one of this module's CSRF checks. */
export function isCsrfRejection(err: unknown): boolean {
  return err instanceof Error && csrfRejections.has(err);
}

/** Login and sign-up: refuse requests that come from another site (login CSRF). */
export function assertNotCrossSite(req: FastifyRequest, settings: CookieSettings): void {
  if (requestSource(req, settings.publicOrigin) === 'foreign') throw forbidden();
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The checks for a state change authenticated by a session cookie. */
export interface SessionCsrfInput {
  service: AccountsService;
  settings: CookieSettings;
  sessionId: string;
  /** The token the request presents (X-CSRFToken header, or the form's hidden field). */
  presented: string | null;
  /** Pages demand the token even from our own origin; the JSON API accepts a same-origin Origin instead. */
  tokenRequired?: boolean;
}

/** Throws FORBIDDEN unless a cookie-authenticated state change is same-site and proven. */
export function assertSessionCsrf(req: FastifyRequest, input: SessionCsrfInput): void {
  const source = requestSource(req, input.settings.publicOrigin);
  if (source === 'foreign') throw forbidden();
  const cookie = req.cookies[input.settings.csrfName];
  const presented = input.presented;
  const tokenOk =
    presented !== null &&
    presented.length <= 200 &&
    // The API's double-submit: the header must equal the cookie; pages post the session token itself.
    (input.tokenRequired === true || (typeof cookie === 'string' && sameToken(cookie, presented))) &&
    input.service.isValidCsrfToken(input.sessionId, presented);
  if (tokenOk) return;
  if (input.tokenRequired !== true && source === 'same-origin') return;
  throw forbidden();
}

/** Issues (or reuses) the anonymous-form CSRF token: sets its cookie, returns the hidden-field value. */
export function issueFormToken(req: FastifyRequest, reply: FastifyReply, settings: CookieSettings): string {
  const existing = req.cookies[settings.formName];
  const token = typeof existing === 'string' && TOKEN_SHAPE.test(existing) ? existing : randomBytes(32).toString('base64url');
  reply.setCookie(settings.formName, token, { path: '/', httpOnly: true, sameSite: 'strict', secure: settings.secure });
  return token;
}

/** Throws FORBIDDEN unless an anonymous form post is same-site and echoes its cookie's token. */
export function assertFormToken(req: FastifyRequest, settings: CookieSettings, presented: string | undefined): void {
  if (requestSource(req, settings.publicOrigin) === 'foreign') throw forbidden();
  const cookie = req.cookies[settings.formName];
  if (typeof cookie !== 'string' || !TOKEN_SHAPE.test(cookie) || typeof presented !== 'string' || !sameToken(cookie, presented)) {
    throw forbidden();
  }
}

/** CSRF refusals one client address may get per minute before its unsafe requests are refused outright. */
export const CSRF_REFUSALS_PER_ADDRESS_MINUTE = 30;
const CSRF_WINDOW_MS = 60_000;
const CSRF_ADDRESSES_KEPT = 10_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The per-address budget of CSRF refusals (docs/security.md, "Bounded under abuse"). Each
 * refusal counts against the client address (IPv6 by /64) for a fixed minute from the first;
 * past the budget, every state-changing request from that address that is not Bearer-authenticated
 * (Bearer requests carry no ambient credential and are never CSRF-checked) is answered THROTTLED
 * (429, Retry-After) by an onRequest hook, before any body parsing, session lookup or audit row of
 * its own. A browser user meets a CSRF refusal once or twice (an expired form); thirty a minute is a
 * script. Node-local and in memory, like the in-flight limit: it costs no database or Redis call,
 * and the audit log's folding already bounds the rows each node writes for what gets through.
 */
export function createCsrfRefusalBudget(limit = CSRF_REFUSALS_PER_ADDRESS_MINUTE): {
  count(req: FastifyRequest): void;
  refuse(req: FastifyRequest): AuthError | null;
} {
  const windows = new Map<string, { start: number; refusals: number }>();
  return {
    count(req) {
      const key = addressKey(req.ip ?? null);
      const now = Date.now();
      const current = windows.get(key);
      if (current && current.start + CSRF_WINDOW_MS > now) {
        current.refusals++;
        return;
      }
      windows.delete(key);
      if (windows.size >= CSRF_ADDRESSES_KEPT) windows.delete(windows.keys().next().value as string);
      windows.set(key, { start: now, refusals: 1 });
    },
    refuse(req) {
      if (SAFE_METHODS.has(req.method) || /^bearer /i.test(req.headers.authorization ?? '')) return null;
      const key = addressKey(req.ip ?? null);
      const current = windows.get(key);
      if (!current || current.refusals < limit) return null;
      const left = current.start + CSRF_WINDOW_MS - Date.now();
      if (left <= 0) {
        windows.delete(key);
        return null;
      }
      return new AuthError('THROTTLED', 'too many refused cross-site requests from this address; try again later', {
        retryAfter: Math.max(1, Math.ceil(left / 1000)),
      });
    },
  };
}
