/** Helpers for the cookie-session API tests: one call per action, with a cookie jar. */
import type { FastifyInstance } from 'fastify';
import { CookieJar } from '../support/cookie-jar.js';
import { call, type JsonResponse } from '../support/http.js';

/** POST /accounts/action/?do=<action> with a JSON body, sending and updating `jar`. */
export async function action(
  app: FastifyInstance,
  jar: CookieJar,
  name: string,
  body: unknown = {},
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const res = await call(app, 'POST', `/accounts/action/?do=${name}`, {
    json: body,
    headers: { accept: 'application/json', ...jar.headers(), ...headers },
  });
  jar.update(res);
  return res;
}

/** Logs in through the API and returns the jar holding sessionid and csrftoken. */
export async function loginJar(app: FastifyInstance, username: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const res = await action(app, jar, 'login', { username, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return jar;
}
