/**
 * Marks the requests whose password step was right but asked for the second step, so the login
 * metrics count them as `second_step` rather than as a failure (JSON and cookie APIs answer 401)
 * or a success (the page answers 200 with the code page).
 */
import type { FastifyRequest } from 'fastify';

const asked = new WeakSet<FastifyRequest>();

/** Records that this request's answer asks for the second step. */
export function markSecondStepAsked(req: FastifyRequest): void {
  asked.add(req);
}

/** True when this request's answer asked for the second step. */
export function wasSecondStepAsked(req: FastifyRequest): boolean {
  return asked.has(req);
}
