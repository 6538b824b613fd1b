/**
 * The benchmark scenarios: each one request shape against a running Latchkey. Pools hand out
 * seeded credentials; refresh puts each successor token back so chains keep rotating.
 *
 * Session checks are given as fixed requests (one per seeded credential), not built per request:
 * autocannon builds a request with `setupRequest` anew each time, which costs the load generator
 * more than the bare-Fastify baseline's fixed request and capped the measured rate at the client,
 * not the server (the server sat idle 20% of the time). Requests that differ every time (logins of
 * a random account, refresh, register, logout) are chains the raw loader builds per request
 * (scenarioTraffic); autocannon runs only the mixed workload.
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

/** Whether `name` is a scenario (a tool's argument, checked before anything starts). */
export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(BASELINE_OF, name);
}

/**
 * The status that counts as a correct answer, where one code is expected; the others count any
 * 2xx. An answer of another status (a refused token when a pool runs dry, a throttled login) is
 * left out of the scenario's rate and shown beside it.
 */
export const EXPECTED_STATUS: Partial<Record<ScenarioName, number>> = {};

let counter = 0;
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const randomUser = (ctx: BenchContext): string => username(Math.floor(Math.random() * ctx.accounts));

const loginJwt = (user: string): LoadRequest => ({ method: 'POST', path: '/api/v1/account/login', body: JSON.stringify({ username: user, password: PASSWORD }) });
const loginCookie = (user: string): LoadRequest => ({ method: 'POST', path: '/accounts/action/?do=login', body: JSON.stringify({ username: user, password: PASSWORD }) });
const loginBasic = (user: string): LoadRequest => ({ path: '/api/', headers: { authorization: `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}` } });

/**
 * A login of a seeded account picked at random for every request (so that no account gathers
 * more than its share of sessions, MAX_SESSIONS_PER_ACCOUNT), built by `setupRequest`.
 */
function login(ctx: BenchContext, request: (user: string) => LoadRequest): LoadRequest {
  return {
    ...request('seeded'),
    setupRequest: (req) => {
      const next = request(randomUser(ctx));
      return { ...req, ...next, headers: { ...req.headers, ...next.headers } };
    },
  };
}

const REGISTER_PATH = '/api/v1/account/register';
const registration = (): string => JSON.stringify({ username: `reg-${process.pid}-${counter++}`, password: PASSWORD });

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
      // Each registration needs a new address: built per request.
      return [{ method: 'POST', path: REGISTER_PATH, setupRequest: (req) => ({ ...req, body: registration() }) }];
    case 'login_jwt':
      return [login(ctx, loginJwt)];
    case 'login_cookie':
      return [login(ctx, loginCookie)];
    case 'login_basic':
      return [login(ctx, loginBasic)];
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
      return [check, check, rotate, check, check, check, rotate, check, check, login(ctx, loginJwt)];
    }
  }
}

/**
 * Refresh for the raw loader: each connection keeps one chain from the pool and presents the
 * successor of every 200 answer; after any other answer it takes a fresh chain from the pool.
 */
export function refreshChains(ctx: BenchContext): ChainSource {
  return (url) => {
    // The request's bytes around the token are built once; the successor is cut out of the
    // answer's bytes instead of parsing its JSON: the loader's own CPU per refresh, which takes
    // from the two cores the server runs on, stays nearer its CPU per fixed request.
    const [head, tail] = buildRequest(url, { path: '/api/v1/account/refresh', headers: { authorization: 'Bearer \0' } })
      .toString('latin1')
      .split('\0') as [string, string];
    const held: (string | undefined)[] = [];
    return (conn, last) => {
      let token = held[conn];
      if (last && last.status === 200) token = successorIn(last.body) ?? 'unreadable';
      else if (last || token === undefined) token = ctx.refreshPool.shift() ?? 'exhausted';
      held[conn] = token;
      return Buffer.from(head + token + tail, 'latin1');
    };
  };
}

const REFRESH_KEY = Buffer.from('"refresh":"');

/** The refresh token in a refresh's JSON answer (`{"result":{"token":{..., "refresh":"..."}}}`). */
function successorIn(body: Buffer): string | undefined {
  const at = body.lastIndexOf(REFRESH_KEY);
  if (at < 0) return undefined;
  const start = at + REFRESH_KEY.length;
  const end = body.indexOf(0x22, start);
  return end < 0 ? undefined : body.toString('latin1', start, end);
}

/** A request built anew each time by its own `setupRequest`, as a chain for the raw loader. */
function perRequest(request: LoadRequest): ChainSource {
  const build = request.setupRequest as (req: LoadRequest) => LoadRequest;
  return (url) => () => buildRequest(url, build(request));
}

/**
 * A scenario's load, as runPickedLoad takes it: its requests, and for the scenarios whose every
 * request differs the chain the raw loader follows instead (refresh: each connection's own chain
 * of tokens; logins, register, logout: the one request, built anew each time).
 */
export function scenarioTraffic(name: ScenarioName, ctx: BenchContext): { requests: LoadRequest[]; chain?: ChainSource; expect?: number } {
  const requests = scenarioRequests(name, ctx);
  const [only] = requests;
  const chain = name === 'refresh' ? refreshChains(ctx) : requests.length === 1 && only?.setupRequest && !only.onResponse ? perRequest(only) : undefined;
  const expect = EXPECTED_STATUS[name];
  return { requests, ...(chain ? { chain } : {}), ...(expect !== undefined ? { expect } : {}) };
}
