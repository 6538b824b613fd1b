/**
 * The cookie-session API's error format (its original description documents none, so we chose one):
 * `{"error":{"code":"…","message":"…"}}` with the status from src/http/problems.ts, plus
 * `field` for input errors and `actions` for an unknown action. Every login failure answers
 * the same bytes, whatever its cause, so the answer never tells which accounts exist.
 */
import type { FastifyReply } from 'fastify';
import type { Problem } from '../problems.js';

/** The actions of `POST /accounts/action/?do=…`, in the order README, "The cookie-session API", lists them, then the second step of a login. */
export const ACTIONS = ['create', 'login', 'logout', 'check_login', 'check_login_with_return_uuid', 'login_mfa'] as const;
export type ActionName = (typeof ACTIONS)[number];

/** Fixed messages per code, so one cause can never be told from another by its wording. */
const FIXED_MESSAGES: Record<string, string> = {
  invalid_credentials: 'invalid username or password',
  not_authenticated: 'not logged in',
  forbidden: 'the request failed the cross-site request forgery check',
};

/** The problem for a missing or unknown `do` parameter. */
export function unknownActionProblem(): Problem {
  return { status: 400, code: 'unknown_action', message: `unknown or missing action: use ?do= one of ${ACTIONS.join(', ')}` };
}

/** Sends a described problem in this dialect's JSON. */
export function sendCookieApiError(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
  const error: Record<string, unknown> = { code: problem.code, message: FIXED_MESSAGES[problem.code] ?? problem.message };
  if (problem.field) error.field = problem.field;
  if (problem.code === 'unknown_action') error.actions = [...ACTIONS];
  return reply.code(problem.status).type('application/json; charset=utf-8').send({ error });
}
