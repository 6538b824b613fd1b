/**
 * The admin API (docs/decisions.md, "Administration"), mounted at /api/v1/admin only when ADMIN_API_KEY is set (otherwise
 * every path under it is a 404 like any unknown one). The credential is that key as
 * `Authorization: Bearer <key>`; it is checked in an onRequest hook, before the body is parsed,
 * by comparing SHA-256 digests with timingSafeEqual, so neither the answer nor its timing says
 * how much of a guess was right. A user's access token, refresh token or service key is just
 * another wrong key. Every refusal is an `admin_auth` audit event, up to a per-address budget of
 * wrong keys a minute; past it the address gets a 429 before any comparison or audit write
 * (src/core/credentials/key-guesses.ts).
 *
 * Nothing here is cookie-authenticated (a browser never sends the key by itself), so CSRF does
 * not apply; answers are `no-store` and in the JWT API envelope.
 */
import { keyDigest, sameBytes } from '../../core/credentials/secrets.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mailRecord, userDetailRecord, userRecord, type AdminService, type UserListQuery } from '../../core/admin/index.js';
import { bearerToken, clientContext } from '../credentials.js';
import { useDialect } from '../dialect.js';
import { sendProblem, sendResult } from '../jwt-api/envelope.js';
import { importExportRoutes } from './import-export.js';
import { adminSecondFactorRoutes } from './second-factor.js';
import { adminClientRoutes } from './oidc-clients.js';
import {
  addUserRoute,
  deleteUserRoute,
  disableUserRoute,
  enableUserRoute,
  listMailRoute,
  listUsersRoute,
  retryMailRoute,
  revokeSessionsRoute,
  setPasswordRoute,
  setUsernameRoute,
  showUserRoute,
  type AddUserBody,
  type ListUsersQuery,
  type SetPasswordBody,
  type SetUsernameBody,
  type UserParams,
} from './schemas.js';

export interface AdminRoutesOptions {
  admin: AdminService;
  /** ADMIN_API_KEY. */
  apiKey: string;
  /** Unused: refusals are recorded by the admin service (kept so callers need not change). */
  audit?: unknown;
}


function listQuery(query: ListUsersQuery): UserListQuery {
  return {
    ...(query.limit !== undefined ? { limit: Number(query.limit) } : {}),
    ...(query.after !== undefined ? { after: query.after } : {}),
    ...(query.status !== undefined ? { status: query.status } : {}),
    ...(query.search !== undefined ? { search: query.search } : {}),
  };
}

/** Registers the admin routes on an encapsulated scope with the JWT API error format. */
export async function adminApiRoutes(app: FastifyInstance, opts: AdminRoutesOptions): Promise<void> {
  const { admin } = opts;
  const expected = keyDigest(opts.apiKey);
  const ctx = (req: FastifyRequest) => clientContext(req, 'admin');

  useDialect(app, (reply, problem) => {
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="latchkey-admin"');
    return sendProblem(reply, problem);
  });

  // Past the address's budget of wrong keys, a 429 comes before the comparison (key-guesses.ts).
  app.addHook('onRequest', async (req) => {
    const presented = bearerToken(req);
    const matches = () => presented !== null && sameBytes(keyDigest(presented), expected);
    await admin.authenticateKey(matches, presented === null ? 'no_key' : 'wrong_key', ctx(req));
  });

  await app.register(importExportRoutes, { admin });
  await app.register(adminSecondFactorRoutes, { admin });
  await app.register(adminClientRoutes, { admin });

  app.post<{ Body: AddUserBody }>('/users', { schema: addUserRoute }, async (req, reply) => {
    const { user, generatedPassword } = await admin.addUser(req.body, ctx(req));
    return sendResult(reply.code(201), { user: userRecord(user), generatedPassword });
  });

  app.get<{ Querystring: ListUsersQuery }>('/users', { schema: listUsersRoute }, async (req, reply) => {
    const page = await admin.listUsers(listQuery(req.query));
    return sendResult(reply, { users: page.users.map(userRecord), next: page.next });
  });

  app.get<{ Params: UserParams }>('/users/:id', { schema: showUserRoute }, async (req, reply) => {
    return sendResult(reply, { user: userDetailRecord(await admin.showUser(req.params.id)) });
  });

  app.post<{ Params: UserParams }>('/users/:id/disable', { schema: disableUserRoute }, async (req, reply) => {
    const change = await admin.disableUser(req.params.id, ctx(req));
    return sendResult(reply, { user: userRecord(change.user), changed: change.changed, sessionsEnded: change.sessionsEnded });
  });

  app.post<{ Params: UserParams }>('/users/:id/enable', { schema: enableUserRoute }, async (req, reply) => {
    const change = await admin.enableUser(req.params.id, ctx(req));
    return sendResult(reply, { user: userRecord(change.user), changed: change.changed, sessionsEnded: change.sessionsEnded });
  });

  app.delete<{ Params: UserParams }>('/users/:id', { schema: deleteUserRoute }, async (req, reply) => {
    return sendResult(reply, { user: userRecord(await admin.deleteUser(req.params.id, ctx(req))) });
  });

  app.put<{ Params: UserParams; Body: SetPasswordBody }>('/users/:id/password', { schema: setPasswordRoute }, async (req, reply) => {
    const done = await admin.setPassword(req.params.id, req.body.password ?? null, ctx(req));
    return sendResult(reply, { user: userRecord(done.user), generatedPassword: done.generatedPassword, sessionsEnded: done.sessionsEnded });
  });

  app.put<{ Params: UserParams; Body: SetUsernameBody }>('/users/:id/username', { schema: setUsernameRoute }, async (req, reply) => {
    return sendResult(reply, { user: userRecord(await admin.renameUser(req.params.id, req.body.username, ctx(req))) });
  });

  app.delete<{ Params: UserParams }>('/users/:id/sessions', { schema: revokeSessionsRoute }, async (req, reply) => {
    const done = await admin.revokeSessions(req.params.id, ctx(req));
    return sendResult(reply, { user: userRecord(done.user), sessionsEnded: done.sessionsEnded });
  });

  app.get<{ Querystring: { failed?: 'true' | 'false' } }>('/outbox', { schema: listMailRoute }, async (req, reply) => {
    const messages = await admin.listMail({ failedOnly: req.query.failed === 'true' });
    return sendResult(reply, { messages: messages.map(mailRecord) });
  });

  app.post<{ Params: { id: string } }>('/outbox/:id/retry', { schema: retryMailRoute }, async (req, reply) => {
    await admin.retryMail(req.params.id);
    return sendResult(reply, { id: req.params.id, retried: true });
  });
}
