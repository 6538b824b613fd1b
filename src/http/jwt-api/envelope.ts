/** The JWT API's wire format: `{"ok":true,"result":…}` or `{"ok":false,"error":{code,message}}`. */
import type { FastifyReply } from 'fastify';
import type { Problem } from '../problems.js';

/** Sends a success envelope. */
export function sendResult(reply: FastifyReply, result: object): FastifyReply {
  return reply.send({ ok: true, result });
}

/** Sends a failure envelope for a described problem. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
  const error: Record<string, string> = { code: problem.code, message: problem.message };
  if (problem.field) error.field = problem.field;
  return reply.code(problem.status).send({ ok: false, error });
}
