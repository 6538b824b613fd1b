/** Small helpers for HTTP tests through app.inject. */
import type { FastifyInstance } from 'fastify';
import type { CookieJar } from './cookie-jar.js';

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
  text: string;
}

/** Sends a request with an optional JSON body and parses a JSON answer. */
export async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  options: { json?: unknown; headers?: Record<string, string>; payload?: string | Buffer } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | Buffer | undefined = options.payload;
  if (options.json !== undefined) {
    payload = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
  let body: unknown = undefined;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, headers: res.headers, body, text: res.body };
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** What a request sends: a JSON body, a same-origin form (as a browser on our pages posts it), or raw bytes. */
export interface RequestParts {
  json?: unknown;
  form?: Record<string, string>;
  payload?: string | Buffer;
  headers?: Record<string, string>;
  jar?: CookieJar;
}

/** The headers and payload for `parts`: the jar's cookies, then the body's content type, then `parts.headers`. */
export function requestParts(parts: RequestParts, base: Record<string, string> = {}): { headers: Record<string, string>; payload?: string | Buffer } {
  const headers: Record<string, string> = { ...base, ...parts.jar?.headers() };
  let payload = parts.payload;
  if (parts.json !== undefined) {
    payload = JSON.stringify(parts.json);
    headers['content-type'] = 'application/json';
  }
  if (parts.form !== undefined) {
    payload = new URLSearchParams(parts.form).toString();
    Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: 'null' });
  }
  Object.assign(headers, parts.headers);
  return payload === undefined ? { headers } : { headers, payload };
}
