/**
 * `return_to`: where a hosted page sends the user when its flow ends. Only a URL that an entry
 * of RETURN_TO_ORIGINS allows is honoured; anything else is dropped and the user lands on
 * /account, so Latchkey is never an open redirect (docs/security.md "Return to the app").
 *
 * The check works on the exact characters received and on the WHATWG parse of them, and the
 * redirect uses the parsed URL's own serialization, so what was checked is what the browser
 * gets. Refused before parsing: anything but an absolute http(s) URL written with two
 * slashes (`//evil`, `https:evil`, `/\evil`, `javascript:`), backslashes, control characters and
 * spaces (browsers strip or convert them), userinfo (`https://good@evil`), percent-escapes of
 * `/`, `\`, `.` or `%` in the path (a server behind the app may decode them into `..`).
 */
import type { ReturnToRule } from '../config/index.js';

const MAX_LENGTH = 2048;
const ABSOLUTE = /^https?:\/\/[^/\\?#@]+(?:[/?#]|$)/;
const FORBIDDEN = /[\\\s\x00-\x1f\x7f]|%(?:2f|5c|2e|25)/i;

/** The allowed target for `value` (its normalized href), or null when it must be ignored. */
export function safeReturnTo(value: unknown, rules: readonly ReturnToRule[]): string | null {
  if (typeof value !== 'string' || value === '' || value.length > MAX_LENGTH || rules.length === 0) return null;
  if (!ABSOLUTE.test(value) || FORBIDDEN.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '') return null;
  const allowed = rules.some((rule) => rule.origin === url.origin && pathWithin(url.pathname, rule.pathPrefix));
  return allowed ? url.href : null;
}

function pathWithin(path: string, prefix: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

/** The origins of the rules, for the pages' CSP `form-action` (a form's redirect must be allowed there). */
export function returnToOrigins(rules: readonly ReturnToRule[]): string[] {
  return [...new Set(rules.map((rule) => rule.origin))];
}

/** The query string that carries a kept `return_to` onto a link or form action ('' when none). */
export function returnToQuery(target: string | null, separator: '?' | '&' = '?'): string {
  return target === null ? '' : `${separator}return_to=${encodeURIComponent(target)}`;
}
