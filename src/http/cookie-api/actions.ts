/**
 * The five actions of the cookie-session API (README, "The cookie-session API"). Each parses its body, makes one service call and answers.
 * Every success is a JSON object (`Content-Type: application/json`), since clients of this API
 * parse every 2xx answer as JSON: `create` answers `{"success":true}` (the same bytes whether or
 * not the address already has an account; no uuid, which would tell them apart), `login`,
 * `logout` and `check_login` answer `{}`, and check_login_with_return_uuid `{"uuid":"…"}`
 * (docs/decisions.md, "The cookie-session dialect").
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../../core/errors.js';
import { isMfaRequired } from '../../core/mfa/errors.js';
import type { AccountsService } from '../../core/accounts-service.js';
import { clearSessionCookies, readSessionCookie, setSessionCookies, type CookieSettings } from '../cookies.js';
import { clientContext } from '../credentials.js';
import { assertNotCrossSite, assertSessionCsrf } from '../csrf.js';
import type { ActionName } from './errors.js';
import { loginMfa, sendCookieMfaRequired } from './second-step.js';

/** What every action needs. */
export interface CookieApiDeps {
  service: AccountsService;
  settings: CookieSettings;
}

// Frozen so no handler can add to the shared answers.
const EMPTY = Object.freeze({});
const CREATED = Object.freeze({ success: true });

type Action = (deps: CookieApiDeps, req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

function bodyObject(req: FastifyRequest): Record<string, unknown> {
  const body = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new AuthError('INVALID_INPUT', 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AuthError('INVALID_INPUT', `${field} must be a string`, { field });
  if (value.length > max) throw new AuthError('INVALID_INPUT', `${field} is too long`, { field });
  return value;
}

function header(req: FastifyRequest, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

const create: Action = async ({ service, settings }, req, reply) => {
  assertNotCrossSite(req, settings);
  const body = bodyObject(req);
  const unknown = Object.keys(body).find((k) => k !== 'email' && k !== 'promo');
  if (unknown !== undefined) throw new AuthError('INVALID_INPUT', `unknown field: ${unknown}`, { field: unknown });
  const email = optionalString(body, 'email', 320);
  if (email === undefined) throw new AuthError('INVALID_INPUT', 'email is required', { field: 'email' });
  await service.signUpWithEmail({ email, promo: optionalString(body, 'promo', 100) }, clientContext(req));
  return reply.code(200).send(CREATED);
};

const login: Action = async ({ service, settings }, req, reply) => {
  assertNotCrossSite(req, settings);
  const body = bodyObject(req);
  const { username, password } = body;
  // Any malformed credential is the same failure as a wrong one: one answer for every cause.
  if (typeof username !== 'string' || typeof password !== 'string' || username.length > 1023 || password.length > 1023) {
    throw new AuthError('INVALID_CREDENTIALS', 'invalid username or password');
  }
  const result = await service.loginForCookie(username, password, clientContext(req)).catch((err: unknown) => {
    if (isMfaRequired(err)) return err;
    throw err;
  });
  if (isMfaRequired(result)) return sendCookieMfaRequired(reply, result);
  setSessionCookies(reply, settings, result);
  return reply.code(200).send(EMPTY);
};

// Refused (403, audited) or the session ends: never cookies cleared while the session lives on.
// A cross-site call is refused even without cookies; an outage throws (503), cookies untouched.
const logout: Action = async ({ service, settings }, req, reply) => {
  assertNotCrossSite(req, settings);
  const secret = readSessionCookie(req, settings);
  const live = secret === null ? null : await service.resolveCookieSession(secret);
  if (secret !== null && live !== null) {
    assertSessionCsrf(req, { service, settings, sessionId: live.session.id, presented: header(req, 'x-csrftoken') });
    await service.logoutCookieSession(secret, clientContext(req));
  }
  clearSessionCookies(reply, settings);
  return reply.code(200).send(EMPTY);
};

async function requireSession({ service, settings }: CookieApiDeps, req: FastifyRequest): Promise<{ uuid: string }> {
  const secret = readSessionCookie(req, settings);
  if (secret === null) throw new AuthError('NOT_AUTHENTICATED', 'not logged in');
  const found = await service.resolveCookieSession(secret);
  if (found === null) throw new AuthError('NOT_AUTHENTICATED', 'not logged in');
  return { uuid: found.account.id };
}

const checkLogin: Action = async (deps, req, reply) => {
  await requireSession(deps, req);
  return reply.code(200).send(EMPTY);
};

// The cookie API's curl example (README, "The cookie-session API") sends {"username","password"} here: accepted and ignored; only the cookie counts.
const checkLoginWithReturnUuid: Action = async (deps, req, reply) => {
  const { uuid } = await requireSession(deps, req);
  return reply.code(200).send({ uuid });
};

/** The handler of each action. */
export const ACTION_HANDLERS: Record<ActionName, Action> = {
  create,
  login,
  logout,
  check_login: checkLogin,
  check_login_with_return_uuid: checkLoginWithReturnUuid,
  login_mfa: loginMfa,
};
