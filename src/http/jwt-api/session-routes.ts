/**
 * The JWT API's own-sessions routes (README, "The JSON API"), under /api/v1/account: list the account's live
 * sessions, end one by id, end every other one. Authenticated by the access token, like /me.
 * A session's id is its refresh-family id (stable across refreshes); see core/sessions/own-sessions.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountsService, OwnSession } from '../../core/accounts-service.js';
import { clientContext, requireAccessToken, requireBearer } from '../credentials.js';
import { useDialect } from '../dialect.js';
import { HEADERS, jsonResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { sendProblem, sendResult } from './envelope.js';
import { jwtErrorEnvelope, jwtResultEnvelope } from './schemas.js';

const SESSION_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

const sessionViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'created', 'lastSeen', 'ip', 'userAgent', 'current'],
  properties: {
    id: { type: 'string', format: 'uuid', description: 'The session’s id: its refresh-family id, the same before and after refreshes.' },
    kind: { type: 'string', enum: ['token', 'cookie'], description: '`token`: a JWT API login; `cookie`: a browser login (pages or cookie API).' },
    created: { type: 'string', format: 'date-time', description: 'When the login happened.' },
    lastSeen: { type: 'string', format: 'date-time', description: 'Its last use (recorded at most once a minute).' },
    ip: { type: ['string', 'null'], description: 'The client address of its latest login or refresh.' },
    userAgent: { type: ['string', 'null'], description: 'The User-Agent of its latest login or refresh, as the client sent it (untrusted text).' },
    current: { type: 'boolean', description: 'True for the session of this access token.' },
  },
} as const;

const fail = (description: string) => jsonResponse(description, jwtErrorEnvelope);
const ok = (description: string, result: Record<string, unknown>) => jsonResponse(description, jwtResultEnvelope(result));
const badToken = fail('`not_authenticated`: no valid access token (missing, malformed, expired, or its session has ended).');
const unavailable = jsonResponse(
  '`busy` or `unavailable` (database unreachable), with Retry-After; `internal_error` (500) for a bug.',
  jwtErrorEnvelope,
  { 'Retry-After': HEADERS.retryAfter },
);

export const listSessionsRoute: RouteSchema = {
  summary: 'List your sessions',
  description:
    'The account’s live logins on every surface: one entry per login (a refresh chain is one session), this token’s session first, then by last use; at most the 100 most recently used.',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  response: {
    200: ok('The live sessions.', {
      type: 'object',
      additionalProperties: false,
      required: ['sessions'],
      properties: { sessions: { type: 'array', items: sessionViewSchema } },
    }),
    401: badToken,
    '5XX': unavailable,
  },
};

export const revokeSessionRoute: RouteSchema = {
  summary: 'End one of your sessions',
  description:
    'Ends the session and its whole refresh chain at once: its access token, refresh token or cookie is refused from the next request. Ending this token’s own session is a logout (`current: true`).',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['id'],
    properties: { id: { type: 'string', pattern: SESSION_ID_PATTERN, description: 'A session id from the list.' } },
  },
  response: {
    200: ok('The session has ended.', {
      type: 'object',
      additionalProperties: false,
      required: ['current'],
      properties: { current: { type: 'boolean', description: 'True when it was this token’s own session (you are now logged out).' } },
    }),
    400: fail('`invalid_input`: the id is not a session id (a lower-case UUID).'),
    401: badToken,
    404: fail('`not_found`: no live session of yours has this id (the same answer for another account’s session).'),
    '5XX': unavailable,
  },
};

export const revokeOtherSessionsRoute: RouteSchema = {
  summary: 'Log out everywhere else',
  description: 'Ends every session of the account except this token’s own (which keeps its refresh chain).',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  response: {
    200: ok('The other sessions have ended.', {
      type: 'object',
      additionalProperties: false,
      required: ['revoked'],
      properties: { revoked: { type: 'integer', minimum: 0, description: 'How many sessions ended.' } },
    }),
    401: badToken,
    '5XX': unavailable,
  },
};

function sessionView(session: OwnSession): object {
  return {
    id: session.id,
    kind: session.kind,
    created: new Date(session.createdAt).toISOString(),
    lastSeen: new Date(session.lastSeenAt).toISOString(),
    ip: session.ip,
    userAgent: session.userAgent,
    current: session.current,
  };
}

/** Registers /sessions, /sessions/{id} and /sessions/revoke-others on an encapsulated scope with the JWT API error format. */
export async function jwtApiSessionRoutes(app: FastifyInstance, opts: { service: AccountsService }): Promise<void> {
  const { service } = opts;

  useDialect(app, sendProblem);

  app.get('/sessions', { schema: listSessionsRoute }, async (req, reply) => {
    const { account, session } = await requireAccessToken(service, req);
    const sessions = await service.listSessions(account.id, session.id);
    return sendResult(reply, { sessions: sessions.map(sessionView) });
  });

  app.delete<{ Params: { id: string } }>('/sessions/:id', { schema: revokeSessionRoute }, async (req, reply) => {
    const { account, session } = await requireAccessToken(service, req);
    const result = await service.revokeSession(account.id, req.params.id, { currentSessionId: session.id }, clientContext(req));
    return sendResult(reply, { current: result.current });
  });

  app.post('/sessions/revoke-others', { schema: revokeOtherSessionsRoute }, async (req, reply) => {
    const { account, session } = await requireAccessToken(service, req);
    const result = await service.revokeOtherSessions(account.id, session.id, clientContext(req));
    return sendResult(reply, { revoked: result.revoked });
  });
}
