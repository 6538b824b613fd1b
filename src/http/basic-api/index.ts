/**
 * The HTTP Basic accounts API (README, "The HTTP Basic API"), mounted at /api:
 *   POST   /api/account          {"username":"user@domain","password","email"?} -> 201 {"id","username","email"}
 *   GET    /api/                 Basic                                         -> 200 {"id","username"}
 *   DELETE /api/account          Basic                                         -> 200 {}
 *   POST   /api/account/pw/change Basic + {"username","password":"<new>"}      -> 200 {}
 *   POST   /api/account/pw/reset {"username"}                                  -> 200 {} (always)
 * Bodies are JSON, also when sent with no Content-Type; the README's curl examples (with shell line
 * continuations inside the body) are accepted as written (json-bodies.ts). A request other than a
 * read that a browser says comes from another site is refused before its body is read
 * (cross-site.ts). Errors: `{"error","message","field"?}` (errors.ts).
 * Credentials are checked by the core's authenticatePassword, the same policy and timing as
 * every other login path. A state change authenticated by Basic that a browser says comes from
 * another site is refused (403), since a browser may attach cached Basic credentials on its own
 * (docs/security.md#sec-23).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { loginKey } from '../../core/accounts/identifiers.js';
import { AuthError } from '../../core/errors.js';
import type { Account } from '../../core/accounts/ports.js';
import type { AccountsService } from '../../core/accounts-service.js';
import { clientContext } from '../credentials.js';
import { requestSource } from '../csrf.js';
import { useDialect } from '../dialect.js';
import { parseBasicCredentials } from './basic-auth.js';
import { refuseCrossSiteRequests } from './cross-site.js';
import { sendBasicProblem } from './errors.js';
import { registerSeedJsonParser } from './json-bodies.js';
import {
  changePasswordRoute,
  checkCredentialsRoute,
  createAccountRoute,
  deleteAccountRoute,
  resetPasswordRoute,
  type ChangePasswordBody,
  type CreateAccountBody,
  type ResetPasswordBody,
} from './schemas.js';

export interface BasicRoutesOptions {
  service: AccountsService;
  /** PUBLIC_URL's origin, for the cross-site checks. */
  publicOrigin: string;
  /** CORS_ORIGINS: pages of these origins may send requests with bodies (cross-site.ts). */
  corsOrigins: readonly string[];
}

/** Registers the Basic API's routes on an encapsulated scope with the dialect's error format. */
export async function basicAccountRoutes(app: FastifyInstance, opts: BasicRoutesOptions): Promise<void> {
  const { service } = opts;

  /** The account of the request's Basic credentials, or NOT_AUTHENTICATED / INVALID_CREDENTIALS. */
  async function basicAccount(req: FastifyRequest, options: { changesState?: boolean } = {}): Promise<Account> {
    const credentials = parseBasicCredentials(req.headers.authorization);
    if (!credentials) throw new AuthError('NOT_AUTHENTICATED', 'send credentials as Authorization: Basic');
    if (options.changesState && requestSource(req, opts.publicOrigin) === 'foreign') {
      throw new AuthError('FORBIDDEN', 'a cross-site request cannot change an account with Basic credentials');
    }
    return service.authenticatePassword(credentials.username, credentials.password, clientContext(req));
  }

  refuseCrossSiteRequests(app, opts.publicOrigin, opts.corsOrigins);
  registerSeedJsonParser(app);

  useDialect(app, sendBasicProblem);

  app.post<{ Body: CreateAccountBody }>('/account', { schema: createAccountRoute }, async (req, reply) => {
    const account = await service.registerDomainAccount(req.body, clientContext(req));
    return reply.code(201).send({ id: account.id, username: account.username, email: account.email });
  });

  // The one route an app password opens (src/core/mfa/app-passwords.ts); the others need the real password.
  app.get('/', { schema: checkCredentialsRoute }, async (req, reply) => {
    const credentials = parseBasicCredentials(req.headers.authorization);
    if (!credentials) throw new AuthError('NOT_AUTHENTICATED', 'send credentials as Authorization: Basic');
    const account = await service.secondFactor.checkBasicCredentials(credentials.username, credentials.password, clientContext(req));
    return reply.send({ id: account.id, username: account.username });
  });

  app.delete('/account', { schema: deleteAccountRoute }, async (req, reply) => {
    const account = await basicAccount(req, { changesState: true });
    await service.deleteAccount(account.id, clientContext(req));
    return reply.send({});
  });

  app.post<{ Body: ChangePasswordBody }>('/account/pw/change', { schema: changePasswordRoute }, async (req, reply) => {
    const account = await basicAccount(req, { changesState: true });
    const named = loginKey(req.body.username);
    const own = [account.username, account.email].map((id) => (id === null ? null : loginKey(id)));
    if (named === null || !own.includes(named)) throw new AuthError('FORBIDDEN', 'username must be the account of the credentials');
    await service.changePassword(account.id, req.body.password, {}, clientContext(req));
    return reply.send({});
  });

  app.post<{ Body: ResetPasswordBody }>('/account/pw/reset', { schema: resetPasswordRoute }, async (req, reply) => {
    await service.requestPasswordReset(req.body.username, clientContext(req));
    return reply.send({});
  });
}
