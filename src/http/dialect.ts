/**
 * What every API dialect scope shares: responses are never cached (they carry credentials or
 * say who someone is), and every error goes through describeProblem() (problems.ts) once, is logged when it is
 * a bug, and is rendered by the dialect's own wire format.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from './problems.js';

/** Renders a described problem in one dialect's format. */
export type ProblemRenderer = (reply: FastifyReply, problem: Problem, req: FastifyRequest) => FastifyReply;

/** Marks every response of this scope `no-store` and renders its errors with `render`. */
export function useDialect(app: FastifyInstance, render: ProblemRenderer): void {
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.header('cache-control', 'no-store');
    reply.header('pragma', 'no-cache');
    done(null, payload);
  });
  app.setErrorHandler((err, req, reply) => {
    const problem = app.describeProblem(err);
    if (problem.unexpected) req.log.error({ err }, 'unexpected error');
    return render(reply, problem, req);
  });
}
