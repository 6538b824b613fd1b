/**
 * The one spelling of a request's path that every part of the app sees (Fastify's `rewriteUrl`,
 * so it runs before routing and before any hook): the router, the https-only check
 * (transport-security.ts), the metrics' route labels, the logs and the 404/405 answers.
 *
 * - Runs of slashes are merged (`/api//account` is `/api/account`), as nginx does by default
 *   (`merge_slashes on`): some clients join a base URL ending in `/` with a path starting with
 *   one. nginx's `proxy_pass` without a URI forwards the path as the client sent it, so the merge
 *   has to happen here too.
 * - Percent-encoded *unreserved* characters (letters, digits, `-`, `.`, `_`, `~`) are decoded:
 *   RFC 3986 §6.2.2.2 makes `/%61pi/` the same URI as `/api/`, and the router already matches it
 *   so. Every other escape stays as sent (`%2F` is not a slash, `%00` is still refused as a NUL),
 *   so no character that changes a path's structure or meaning appears here that the router
 *   would not see.
 * - An absolute-form target (`GET http://host/api/ HTTP/1.1`) becomes its path, as the router
 *   reads it.
 *
 * The query string is left untouched (it can carry link tokens, and its own decoding is the
 * query parser's). A target this cannot read is returned unchanged, for the router to refuse.
 */

// %XX of A-Z (41-5A), a-z (61-7A), 0-9 (30-39), '-' (2D), '.' (2E), '_' (5F), '~' (7E).
const UNRESERVED_ESCAPE = /%(?:[46][1-9A-F]|[57][0-9A]|5F|7E|3[0-9]|2[DE])/gi;
const SLASH_RUN = /\/{2,}/g;
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]+/i;

function decodeEscape(escape: string): string {
  return String.fromCharCode(Number.parseInt(escape.slice(1), 16));
}

/** The path of a request target: what comes before its query (`?`) or fragment (`#`), as the router splits it. */
export function pathOf(url: string): string {
  let end = url.length;
  for (const delimiter of ['?', '#']) {
    const at = url.indexOf(delimiter);
    if (at !== -1 && at < end) end = at;
  }
  return url.slice(0, end);
}

/** The normalized form of a request target (path merged and decoded as above, query as sent). */
export function normalizeRequestUrl(url: string): string {
  let target = url;
  if (target.charCodeAt(0) !== 47) {
    const authority = ABSOLUTE_FORM.exec(target);
    if (authority === null || target.includes('#')) return url;
    target = target.slice(authority[0].length);
    if (target.charCodeAt(0) !== 47) target = `/${target}`;
  }
  const path = pathOf(target);
  let normalized = path.includes('%') ? path.replace(UNRESERVED_ESCAPE, decodeEscape) : path;
  if (normalized.includes('//')) normalized = normalized.replace(SLASH_RUN, '/');
  return normalized === path ? target : normalized + target.slice(path.length);
}
