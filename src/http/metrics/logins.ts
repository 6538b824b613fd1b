/**
 * Which requests are logins, and how each one ended, read from the route template and the
 * response status alone, so no route handler has to know about metrics.
 *
 * A login is a request whose password is checked:
 *   jwt     POST /api/v1/account/login
 *   cookie  POST /accounts/action/?do=login
 *   page    POST /login (the form) and POST /login/passkey (a passkey, no password)
 *   basic   every request that authenticates with HTTP Basic: GET /api/ (the Basic API's login
 *           check), DELETE /api/account and POST /api/account/pw/change. Each one verifies the
 *           password, so each is a guess an attacker can make; counting all of them keeps a
 *           credential-stuffing run visible in the failure rate whichever route it uses.
 * Refreshes, session checks and sign-ups are not logins.
 */

export type LoginSurface = 'jwt' | 'cookie' | 'basic' | 'page';
export type LoginOutcome = 'success' | 'failure' | 'throttled' | 'unavailable' | 'invalid' | 'second_step';

export const LOGIN_SURFACES: readonly LoginSurface[] = ['jwt', 'cookie', 'basic', 'page'];
export const LOGIN_OUTCOMES: readonly LoginOutcome[] = ['success', 'failure', 'throttled', 'unavailable', 'invalid', 'second_step'];

/** The second step of a login (docs/security.md, "Second factor"): a code or a passkey sent with the step's token. */
const SECOND_STEP_ROUTES: ReadonlyMap<string, LoginSurface> = new Map([
  ['POST /api/v1/account/login/mfa', 'jwt'],
  ['POST /accounts/action/', 'cookie'],
  ['POST /accounts/action', 'cookie'],
  ['POST /login/mfa', 'page'],
  ['POST /login/mfa/passkey', 'page'],
]);

/** The surface of a second-step request to `route`, or null when it is not one. */
export function secondStepSurface(method: string, route: string, query: unknown): LoginSurface | null {
  const surface = SECOND_STEP_ROUTES.get(`${method} ${route}`);
  if (surface !== 'cookie') return surface ?? null;
  return (query as { do?: unknown } | undefined)?.do === 'login_mfa' ? 'cookie' : null;
}

/** `METHOD route-template` -> surface; the cookie API's entry needs `do=login` as well. */
const LOGIN_ROUTES: ReadonlyMap<string, LoginSurface> = new Map([
  ['POST /api/v1/account/login', 'jwt'],
  ['POST /accounts/action/', 'cookie'],
  ['POST /accounts/action', 'cookie'],
  ['POST /login', 'page'],
  ['POST /login/passkey', 'page'],
  ['GET /api', 'basic'], // GET /api/ is the route '/' of the '/api' scope, whose template is '/api'
  ['GET /api/', 'basic'],
  ['DELETE /api/account', 'basic'],
  ['POST /api/account/pw/change', 'basic'],
]);

/** The login surface of a request to `route` (a route template), or null when it is not a login. */
export function loginSurface(method: string, route: string, query: unknown): LoginSurface | null {
  const surface = LOGIN_ROUTES.get(`${method} ${route}`);
  if (surface !== 'cookie') return surface ?? null;
  return (query as { do?: unknown } | undefined)?.do === 'login' ? 'cookie' : null;
}

/**
 * How a login ended, from its status: 2xx/3xx success (the page login redirects), 401 failure,
 * 429 throttled, 5xx unavailable (hash queue full, database down), any other 4xx invalid (bad
 * input, cross-site, too large). A Basic 401 without Basic credentials at all is invalid too:
 * no password was checked.
 */
export function loginOutcome(surface: LoginSurface, status: number, authorization: string | undefined): LoginOutcome {
  if (status < 400) return 'success';
  if (status === 401) return surface === 'basic' && !/^basic /i.test(authorization ?? '') ? 'invalid' : 'failure';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'unavailable';
  return 'invalid';
}
