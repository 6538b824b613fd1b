/** Small helpers for HTTP tests through app.inject. */
import type { FastifyInstance } from 'fastify';

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
