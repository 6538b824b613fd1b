/** `/`: a person typing the service's address lands on their account, or on the login form. */
import type { FastifyInstance } from 'fastify';
import { emptyResponse, HEADERS, PUBLIC, type RouteSchema } from '../openapi/route-docs.js';
import { currentVisitor, type PagesDeps } from './context.js';

const homeRoute: RouteSchema = {
  summary: 'Home: go to the account page or the login page',
  tags: ['pages'],
  security: PUBLIC,
  response: { 303: emptyResponse('Logged in: to /account; otherwise to /login.', { Location: HEADERS.location }) },
};

/** Registers GET /. */
export function registerHomePage(app: FastifyInstance, deps: PagesDeps): void {
  app.get('/', { schema: homeRoute }, async (req, reply) => reply.redirect((await currentVisitor(deps, req)) === null ? '/login' : '/account', 303));
}
