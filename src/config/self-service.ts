/**
 * Settings of the hosted pages' way back to the app and of cookies shared with sibling hosts:
 * RETURN_TO_ORIGINS, LOGIN_AFTER_LINK and COOKIE_DOMAIN (README "Back to the app"; the refused
 * combinations are listed in docs/security.md "Cookies on sibling subdomains").
 */
import { isIP } from 'node:net';
import { ConfigError, raw, type Env } from './read.js';

/** One allowed return target: an exact origin and a path prefix (`/` for the whole origin). */
export interface ReturnToRule {
  origin: string;
  /** Starts with `/`; when longer than `/`, a target path must equal it or continue it after a `/`. */
  pathPrefix: string;
}

export interface SelfServiceConfig {
  /** RETURN_TO_ORIGINS: where `return_to` may send a user after a hosted page; empty: nowhere (always /account). */
  returnTo: ReturnToRule[];
  /** LOGIN_AFTER_LINK: a confirmed or reset account is signed in on the page (default true). */
  loginAfterLink: boolean;
  /** COOKIE_DOMAIN: the Domain of the session and CSRF cookies; null: host-only cookies. */
  cookieDomain: string | null;
}

/** Reads the self-service settings; `publicUrl` is the validated PUBLIC_URL origin. */
export function readSelfServiceConfig(env: Env, publicUrl: string, cookieHostPrefix: boolean): SelfServiceConfig {
  const login = raw(env, 'LOGIN_AFTER_LINK') ?? 'true';
  if (login !== 'true' && login !== 'false') throw new ConfigError(`LOGIN_AFTER_LINK must be true or false (got ${JSON.stringify(login)})`);
  return {
    returnTo: readReturnToOrigins(raw(env, 'RETURN_TO_ORIGINS')),
    loginAfterLink: login === 'true',
    cookieDomain: readCookieDomain(raw(env, 'COOKIE_DOMAIN'), publicUrl, cookieHostPrefix),
  };
}

// Comma-separated `scheme://host[:port][/path-prefix]`: no userinfo, query, fragment, wildcard,
// backslash or percent-escape, so a rule means exactly what it shows.
function readReturnToOrigins(value: string | undefined): ReturnToRule[] {
  if (value === undefined) return [];
  const problem = (item: string) =>
    new ConfigError(
      `RETURN_TO_ORIGINS must be a comma-separated list like https://app.example.com or https://app.example.com/welcome (https or http, no query, no *) (got ${JSON.stringify(item)})`,
    );
  const rules: ReturnToRule[] = [];
  for (const item of value.split(',').map((o) => o.trim()).filter(Boolean)) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~!$&'()+,;=:@/-]*)?$/.test(item)) throw problem(item);
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw problem(item);
    }
    if (item.split('/').slice(3).some((segment) => segment === '.' || segment === '..')) throw problem(item);
    const pathPrefix = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    rules.push({ origin: url.origin, pathPrefix });
  }
  return rules;
}

// A registrable parent of PUBLIC_URL's host (or the host itself), on https only, and never with
// the __Host- prefix (a __Host- cookie must not carry Domain, RFC 6265bis §4.1.3.2).
function readCookieDomain(value: string | undefined, publicUrl: string, cookieHostPrefix: boolean): string | null {
  if (value === undefined) return null;
  const domain = value.toLowerCase().replace(/^\./, '');
  const url = new URL(publicUrl);
  const fail = (why: string): never => {
    throw new ConfigError(`COOKIE_DOMAIN ${why} (got ${JSON.stringify(value)})`);
  };
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  if (isIP(domain) !== 0 || !domain.includes('.') || !domain.split('.').every((l) => label.test(l))) {
    fail('must be a domain of at least two labels like example.com (no IP address)');
  }
  if (url.hostname !== domain && !url.hostname.endsWith(`.${domain}`)) fail(`must be PUBLIC_URL's host ${url.hostname} or a parent domain of it`);
  if (url.protocol !== 'https:') fail('needs an https PUBLIC_URL: a cookie shared with sibling hosts must be Secure');
  if (cookieHostPrefix) fail('cannot be combined with COOKIE_HOST_PREFIX=true: a __Host- cookie has no Domain');
  return domain;
}
