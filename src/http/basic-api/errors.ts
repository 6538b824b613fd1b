/**
 * The Basic dialect's error format, in one table: `{"error": code, "message": text}` (plus
 * `field` for a bad input), with the status from the shared problem description. Every 401
 * carries `WWW-Authenticate: Basic realm="latchkey"` (RFC 7617), so a client knows to send
 * credentials; the body is the same for every credential failure, whatever its cause.
 */
import type { FastifyReply } from 'fastify';
import type { Problem } from '../problems.js';

export const BASIC_REALM = 'Basic realm="latchkey"';

interface WireError {
  status: number;
  error: string;
  message?: string;
}

// Codes whose wire form differs from the shared description; anything else keeps its status and code.
const TABLE: Record<string, WireError> = {
  invalid_credentials: { status: 401, error: 'unauthorized', message: 'valid credentials are required (HTTP Basic username:password)' },
  not_authenticated: { status: 401, error: 'unauthorized', message: 'valid credentials are required (HTTP Basic username:password)' },
  // Registration answers one code for a taken username and a taken email (src/core/accounts/identifier-rules.ts).
  username_taken: { status: 409, error: 'username_taken' },
  weak_password: { status: 400, error: 'invalid_input' },
  invalid_json: { status: 400, error: 'invalid_json' },
  invalid_utf8: { status: 400, error: 'invalid_json' },
  forbidden: { status: 403, error: 'forbidden' },
};

/** Sends a described problem in the Basic dialect's format. */
export function sendBasicProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  const mapped = TABLE[problem.code];
  const status = mapped?.status ?? problem.status;
  if (status === 401) reply.header('www-authenticate', BASIC_REALM);
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
  const body: Record<string, string> = { error: mapped?.error ?? problem.code, message: mapped?.message ?? problem.message };
  if (problem.field && status === 400) body.field = problem.field;
  return reply.code(status).send(body);
}
