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
import { randomBytes } from 'node:crypto';
import { sameText } from '../core/credentials/secrets.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { addressKey } from '../core/credentials/address-limits.js';
import { AuthError } from '../core/errors.js';
import type { AccountsService } from '../core/accounts-service.js';
import type { Clock } from '../core/ports.js';
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

/** The 403 of this module's CSRF checks: its type tells the audit hook a CSRF refusal from another 403. */
export class CsrfRejection extends AuthError {
  constructor() {
    super('FORBIDDEN', 'the request failed the cross-site request forgery check');
  }
}

function forbidden(): AuthError {
  return new CsrfRejection();
}

/** True when `err` was thrown by one of this module's CSRF checks. */
export function isCsrfRejection(err: unknown): boolean {
  return err instanceof CsrfRejection;
}

/** Login and sign-up: refuse requests that come from another site (login CSRF). */
export function assertNotCrossSite(req: FastifyRequest, settings: CookieSettings): void {
  if (requestSource(req, settings.publicOrigin) === 'foreign') throw forbidden();
}

function sameToken(a: string, b: string): boolean {
  return sameText(a, b);
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

/** The site a foreign request claims to come from: its Origin, else its Referer's origin, else `cross-site`. */
function claimedSite(req: FastifyRequest): string {
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== '') return origin.slice(0, 200);
  const referer = req.headers.referer;
  const refOrigin = typeof referer === 'string' && referer !== '' ? originOf(referer) : null;
  return refOrigin ?? 'cross-site';
}

/**
 * The per-address budget of CSRF refusals (docs/security.md, "Pre-work budgets per address").
 * Refusals count against the client address (IPv6 by /64) for a fixed minute from the first:
 * those of requests that say they come from another site per (address, that site), since a
 * browser on a foreign page (maybe a victim's) sends them; all others (no proof, or a wrong one:
 * a script) per address. Past the budget, an onRequest hook answers THROTTLED (429,
 * Retry-After) before any body parsing, session lookup or audit row of the request's own: the
 * requests from that address claiming that site (they would be refused anyway, so a foreign page
 * cannot lock its visitors out, and a site in CORS_ORIGINS is never refused), or, once the
 * address's other refusals are spent, every state change from it that is not Bearer-authenticated
 * (Bearer requests carry no ambient credential and are never CSRF-checked). A browser user meets
 * a refusal once or twice (a stale form); thirty a minute is a script. Node-local and in memory,
 * like the in-flight limit: no database or Redis call, and the audit folding already bounds the
 * rows each node writes.
 */
export function createCsrfRefusalBudget(
  publicOrigin: string,
  clock: Clock,
  limit = CSRF_REFUSALS_PER_ADDRESS_MINUTE,
): {
  count(req: FastifyRequest): void;
  refuse(req: FastifyRequest): AuthError | null;
} {
  const windows = new Map<string, { start: number; refusals: number }>();
  const keyOf = (req: FastifyRequest): string => {
    const address = addressKey(req.ip ?? null);
    return requestSource(req, publicOrigin) === 'foreign' ? `${address} ${claimedSite(req)}` : address;
  };
  const spent = (key: string, now: number): number | null => {
    const current = windows.get(key);
    if (!current || current.refusals < limit) return null;
    const left = current.start + CSRF_WINDOW_MS - now;
    if (left > 0) return left;
    windows.delete(key);
    return null;
  };
  return {
    count(req) {
      const key = keyOf(req);
      const now = clock.now();
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
      // Only what is CSRF-checked (the pages and the cookie API): the JSON and Basic APIs under /api/
      // never look a cookie session up, so they have no work to spare and stay open to the address.
      if (SAFE_METHODS.has(req.method) || /^bearer /i.test(req.headers.authorization ?? '') || req.url.startsWith('/api/')) return null;
      // Nothing refused lately: no budget can be spent (the common case, on every cookie-API call).
      if (windows.size === 0) return null;
      const now = clock.now();
      const address = addressKey(req.ip ?? null);
      const key = keyOf(req);
      const left = spent(address, now) ?? (key === address ? null : spent(key, now));
      if (left === null) return null;
      return new AuthError('THROTTLED', 'too many refused cross-site requests from this address; try again later', {
        retryAfter: Math.max(1, Math.ceil(left / 1000)),
      });
    },
  };
}
