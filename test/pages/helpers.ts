/** Helpers for the hosted-page tests: GET a page, read its hidden fields, post its form, with a cookie jar. */
import type { FastifyInstance } from 'fastify';
import type { CookieJar } from '../support/cookie-jar.js';

export interface PageResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

/** GET `url` (path and query) with the jar's cookies. */
export async function getPage(app: FastifyInstance, jar: CookieJar, url: string): Promise<PageResponse> {
  const res = await app.inject({ method: 'GET', url, headers: jar.headers() });
  jar.update(res);
  return { status: res.statusCode, headers: res.headers, text: res.body };
}

/** POSTs an urlencoded form, as a browser on our own origin would (Sec-Fetch-Site: same-origin). */
export async function postForm(
  app: FastifyInstance,
  jar: CookieJar,
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<PageResponse> {
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: 'null', ...jar.headers(), ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
  jar.update(res);
  return { status: res.statusCode, headers: res.headers, text: res.body };
}

/** The value of the hidden input `name` in a page (the first one); throws when absent. */
export function hiddenField(page: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(page);
  if (!match) throw new Error(`no hidden ${name} field in page:\n${page.slice(0, 2000)}`);
  return match[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** The path and query of an absolute link (for app.inject). */
export function pathOf(link: string): string {
  const url = new URL(link);
  return url.pathname + url.search;
}
