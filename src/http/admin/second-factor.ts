/**
 * The admin API's second-factor routes (docs/security.md, "Second factor"): reset an account's
 * second factor (a lost device), list and revoke its app passwords. Registered inside the admin
 * scope, so the admin key check and the JWT API error format apply.
 */
import type { FastifyInstance } from 'fastify';
import { userRecord, type AdminService } from '../../core/admin/index.js';
import { clientContext } from '../credentials.js';
import { jwtErrorEnvelope, jwtResultEnvelope } from '../jwt-api/schemas.js';
import { sendResult } from '../jwt-api/envelope.js';
import { appPasswordView } from '../mfa/json-routes.js';
import { HEADERS, jsonResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { userSchema } from './schemas.js';

const params = (extra: Record<string, unknown> = {}) => ({
  type: 'object',
  additionalProperties: false,
  required: ['id', ...Object.keys(extra)],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200, description: 'An account id, or a username or email (an id is tried first).' }, ...extra },
});
const ok = (description: string, properties: Record<string, unknown>) =>
  jsonResponse(description, jwtResultEnvelope({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties }));
const errors = {
  401: jsonResponse('`not_authenticated`: no admin key, or not the one in ADMIN_API_KEY.', jwtErrorEnvelope),
  404: jsonResponse('`not_found`: no such account (or app password).', jwtErrorEnvelope),
  429: jsonResponse('`throttled`: too many wrong keys from this address.', jwtErrorEnvelope, { 'Retry-After': HEADERS.retryAfter }),
  '5XX': jsonResponse('`busy` or `unavailable`, with Retry-After; `internal_error` (500) for a bug.', jwtErrorEnvelope, { 'Retry-After': HEADERS.retryAfter }),
};
const appPasswordItem = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'created', 'lastUsed'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, created: { type: 'string', format: 'date-time' }, lastUsed: { type: ['string', 'null'], format: 'date-time' } },
};

function adminRoute(schema: Omit<RouteSchema, 'tags' | 'security'>): RouteSchema {
  return { ...schema, tags: ['admin'], security: requires('adminKey') };
}

export const mfaResetRoute = adminRoute({
  summary: 'Reset an account’s second factor',
  description: 'For a lost device: every second factor, recovery code and pending login step of the account goes; the password alone signs in again. Audited; the owner is mailed. The same as `latchkey user mfa-reset`.',
  params: params(),
  response: { 200: ok('The factors are gone.', { user: userSchema, factorsRemoved: { type: 'integer', minimum: 0 } }), ...errors },
});

export const listAppPasswordsAdminRoute = adminRoute({
  summary: 'List an account’s app passwords',
  params: params(),
  response: { 200: ok('Newest first, never their secrets.', { user: userSchema, appPasswords: { type: 'array', items: appPasswordItem } }), ...errors },
});

export const revokeAppPasswordAdminRoute = adminRoute({
  summary: 'Revoke an account’s app password',
  description: 'Audited; the owner is mailed.',
  params: params({ appPasswordId: { type: 'string', minLength: 1, maxLength: 100 } }),
  response: { 200: ok('It no longer works.', { user: userSchema }), ...errors },
});

/** Registers the routes (inside the admin scope). */
export async function adminSecondFactorRoutes(app: FastifyInstance, opts: { admin: AdminService }): Promise<void> {
  const { admin } = opts;
  app.post<{ Params: { id: string } }>('/users/:id/mfa-reset', { schema: mfaResetRoute }, async (req, reply) => {
    const done = await admin.resetSecondFactor(req.params.id, clientContext(req, 'admin'));
    return sendResult(reply, { user: userRecord(done.user), factorsRemoved: done.factorsRemoved });
  });

  app.get<{ Params: { id: string } }>('/users/:id/app-passwords', { schema: listAppPasswordsAdminRoute }, async (req, reply) => {
    const found = await admin.listAppPasswords(req.params.id);
    return sendResult(reply, { user: userRecord(found.user), appPasswords: found.appPasswords.map(appPasswordView) });
  });

  app.delete<{ Params: { id: string; appPasswordId: string } }>('/users/:id/app-passwords/:appPasswordId', { schema: revokeAppPasswordAdminRoute }, async (req, reply) => {
    const user = await admin.revokeAppPassword(req.params.id, req.params.appPasswordId, clientContext(req, 'admin'));
    return sendResult(reply, { user: userRecord(user) });
  });
}
