/**
 * The benchmark scenarios: each one request shape against a running Latchkey. Pools hand out
 * seeded credentials; refresh puts each successor token back so chains keep rotating.
 *
 * Session checks are given as fixed requests (one per seeded credential), not built per request:
 * autocannon builds a request with `setupRequest` anew each time, which costs the load generator
 * more than the bare-Fastify baseline's fixed request and capped the measured rate at the
 * client, not the server (the server sat idle 20% of the time).
 */
import type { LoadRequest } from './lib/load.js';
import type { ChainSource } from './lib/pick-load.js';
import { buildRequest } from './lib/raw-load.js';
import { sessionSecret, username } from './lib/seed.js';

export const PASSWORD = 'bench-password-1';

export interface BenchContext {
  /** Number of seeded accounts (login picks among them). */
  accounts: number;
  /** Access tokens of seeded token sessions. */
  accessTokens: string[];
  /** Seeded cookie session numbers. */
  cookieSessions: number[];
  /** Refresh tokens ready for use; refresh takes one and returns its successor. */
  refreshPool: string[];
  /** Access tokens to log out, each used once. */
  logoutPool: string[];
}

export type ScenarioName =
  | 'register'
  | 'login_jwt'
  | 'login_cookie'
  | 'login_basic'
  | 'me_bearer'
  | 'check_login_cookie'
  | 'check_login_cookie_no_body'
  | 'refresh'
  | 'logout'
  | 'mixed';

/**
 * The `oidc_code_exchange` scenario is not a fixed-request load: each authorization code is single
 * use, bound to its PKCE verifier and lives 60 seconds, so bench/oidc-code-exchange.ts issues
 * and redeems them with openid-client (an unmodified relying party) and measures JWT logins the
 * same way, for its ratio to the login rate. bench/run.ts runs it in a child process per database.
 */
export const OIDC_SCENARIO = 'oidc_code_exchange';

/** Which baseline a scenario is measured against. */
export const BASELINE_OF: Record<ScenarioName, 'argon2' | 'fastify' | 'none'> = {
  register: 'argon2',
  login_jwt: 'argon2',
  login_cookie: 'argon2',
  login_basic: 'argon2',
  me_bearer: 'fastify',
  check_login_cookie: 'fastify',
  check_login_cookie_no_body: 'fastify',
  refresh: 'fastify',
  logout: 'fastify',
  mixed: 'none',
};

/**
 * The status that counts as a correct answer, where one code is expected; the others count any
 * 2xx. An answer of another status (a refused token when a pool runs dry, a throttled login) is
 * left out of the scenario's rate and shown beside it.
 */
export const EXPECTED_STATUS: Partial<Record<ScenarioName, number>> = {};

let counter = 0;
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const randomUser = (ctx: BenchContext): string => username(Math.floor(Math.random() * ctx.accounts));

function loginJwt(ctx: BenchContext): LoadRequest {
  return {
    method: 'POST',
    path: '/api/v1/account/login',
    setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: randomUser(ctx), password: PASSWORD }) }),
  };
}

/** At most this many fixed requests per scenario (each connection cycles through them). */
const FIXED_REQUESTS = 1000;

function meBearerRequests(ctx: BenchContext): LoadRequest[] {
  return ctx.accessTokens.slice(0, FIXED_REQUESTS).map((token) => ({ path: '/api/v1/account/me', headers: { authorization: `Bearer ${token}` } }));
}

function meBearer(ctx: BenchContext): LoadRequest {
  return {
    path: '/api/v1/account/me',
    setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${pick(ctx.accessTokens)}` } }),
  };
}

function refresh(ctx: BenchContext): LoadRequest {
  return {
    path: '/api/v1/account/refresh',
    setupRequest: (req) => {
      const token = ctx.refreshPool.shift();
      return { ...req, headers: { ...req.headers, authorization: `Bearer ${token ?? 'exhausted'}` } };
    },
    onResponse: (status, body) => {
      if (status === 200) ctx.refreshPool.push(JSON.parse(body).result.token.refresh);
    },
  };
}

/**
 * The cookie API's `check_login`, as its clients send it (the JSON body `{}`), or with no body at
 * all (`Content-Length: 0`, no content type): the second is not a client's request but the
 * measure of what reading and parsing that two-byte body costs the check (bench/findings.md).
 */
function cookieChecks(ctx: BenchContext, body: string | undefined): LoadRequest[] {
  return ctx.cookieSessions.slice(0, FIXED_REQUESTS).map((n) => ({
    method: 'POST',
    path: '/accounts/action/?do=check_login',
    ...(body === undefined ? {} : { body }),
    headers: { cookie: `sessionid=${sessionSecret('cookie', n)}` },
  }));
}

/** The request definitions of a scenario. */
export function scenarioRequests(name: ScenarioName, ctx: BenchContext): LoadRequest[] {
  switch (name) {
    case 'register':
      return [
        {
          method: 'POST',
          path: '/api/v1/account/register',
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: `reg-${process.pid}-${counter++}`, password: PASSWORD }) }),
        },
      ];
    case 'login_jwt':
      return [loginJwt(ctx)];
    case 'login_cookie':
      return [
        {
          method: 'POST',
          path: '/accounts/action/?do=login',
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: randomUser(ctx), password: PASSWORD }) }),
        },
      ];
    case 'login_basic':
      return [
        {
          path: '/api/',
          setupRequest: (req) => ({
            ...req,
            headers: { ...req.headers, authorization: `Basic ${Buffer.from(`${randomUser(ctx)}:${PASSWORD}`).toString('base64')}` },
          }),
        },
      ];
    case 'me_bearer':
      return meBearerRequests(ctx);
    case 'check_login_cookie':
      return cookieChecks(ctx, '{}');
    case 'check_login_cookie_no_body':
      return cookieChecks(ctx, undefined);
    case 'refresh':
      return [refresh(ctx)];
    case 'logout':
      return [
        {
          method: 'DELETE',
          path: '/api/v1/account/logout',
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${ctx.logoutPool.pop() ?? 'exhausted'}` } }),
        },
      ];
    case 'mixed': {
      // Each connection cycles through ten requests: 7 session checks, 2 refreshes, 1 login.
      const check = meBearer(ctx);
      const rotate = refresh(ctx);
      return [check, check, rotate, check, check, check, rotate, check, check, loginJwt(ctx)];
    }
  }
}

/**
 * Refresh for the raw loader: each connection keeps one chain from the pool and presents the
 * successor of every 200 answer; after any other answer it takes a fresh chain from the pool.
 */
export function refreshChains(ctx: BenchContext): ChainSource {
  return (url) => {
    const held = new Map<number, string>();
    return (conn, last) => {
      let token = held.get(conn);
      if (last && last.status === 200) token = (JSON.parse(last.body.toString('utf8')) as { result: { token: { refresh: string } } }).result.token.refresh;
      else if (last || token === undefined) token = ctx.refreshPool.shift() ?? 'exhausted';
      held.set(conn, token);
      return buildRequest(url, { path: '/api/v1/account/refresh', headers: { authorization: `Bearer ${token}` } });
    };
  };
}
