/**
 * The admin API's OpenID Connect clients (README, "Sign in with Latchkey"): the same as
 * `latchkey client add | list | revoke`, through the same core flows (src/core/oidc/clients.ts):
 * a confidential client's secret is in the answer to its creation only (Latchkey keeps its
 * SHA-256); each change is an audit event with surface `admin`. Registered inside the admin
 * scope, so the admin key check and the JWT API's error format apply.
 */
import type { FastifyInstance } from 'fastify';
import type { AdminService } from '../../core/admin/index.js';
import { oidcClientRecord, type OidcClientInput } from '../../core/oidc/clients.js';
import { clientContext } from '../credentials.js';
import { sendResult } from '../jwt-api/envelope.js';
import { adminRoute, fail, ok, unauthorized, unavailable } from './schemas.js';

const uri = { type: 'string', minLength: 1, maxLength: 2000 };
const uris = { type: 'array', maxItems: 20, items: uri };

const clientSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'status', 'type', 'firstParty', 'redirectUris', 'postLogoutRedirectUris', 'backchannelLogoutUri', 'idTokenAlg', 'createdAt', 'revokedAt'],
  properties: {
    id: { type: 'string', description: 'The client_id.' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['live', 'revoked'] },
    type: { type: 'string', enum: ['confidential', 'public'], description: '`public`: no secret, PKCE required.' },
    firstParty: { type: 'boolean', description: 'Users are not asked for consent.' },
    redirectUris: { type: 'array', items: { type: 'string' } },
    postLogoutRedirectUris: { type: 'array', items: { type: 'string' } },
    backchannelLogoutUri: { type: ['string', 'null'] },
    idTokenAlg: { type: 'string', enum: ['EdDSA', 'RS256'] },
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
};

export const addClientRoute = adminRoute({
  summary: 'Register an OpenID Connect client',
  description:
    'The same as `latchkey client add`. Redirect URIs are matched exactly: https, or http on localhost, 127.0.0.1 or [::1]; no fragment. A confidential client’s `secret` is in this answer only (Latchkey keeps its hash). Audited (`oidc_client_add`).',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'redirectUris'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 63 },
      redirectUris: { ...uris, minItems: 1 },
      postLogoutRedirectUris: uris,
      backchannelLogoutUri: { type: ['string', 'null'], minLength: 1, maxLength: 2000, description: 'Told of logouts (OpenID Connect Back-Channel Logout).' },
      public: { type: 'boolean', description: 'No secret (a browser or mobile app); PKCE (S256) required.' },
      firstParty: { type: 'boolean', description: 'Your own app: users are not asked for consent.' },
      idTokenAlg: { type: 'string', enum: ['EdDSA', 'RS256'], description: 'EdDSA (default), or RS256 for clients that verify nothing else.' },
    },
  },
  response: {
    201: ok('Registered.', { client: clientSchema, secret: { type: ['string', 'null'], description: 'The client secret, shown this once; null for a public client.' } }),
    400: fail('`invalid_input`, naming the field (a bad name or URI).'),
    401: unauthorized,
    '5XX': unavailable,
  },
});

export const listClientsRoute = adminRoute({
  summary: 'List the OpenID Connect clients',
  description: 'Newest first, revoked ones too; never a secret. The same as `latchkey client list`.',
  response: { 200: ok('The clients.', { clients: { type: 'array', items: clientSchema } }), 401: unauthorized, '5XX': unavailable },
});

export const revokeClientRoute = adminRoute({
  summary: 'Revoke an OpenID Connect client',
  description: 'It can start no sign-in and its tokens stop working at once. The same as `latchkey client revoke`. Audited (`oidc_client_revoke`).',
  params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } },
  response: { 200: ok('Revoked.', { client: clientSchema }), 401: unauthorized, 404: fail('`not_found`: no live client has this id.'), '5XX': unavailable },
});

/** Registers the routes (inside the admin scope). */
export async function adminClientRoutes(app: FastifyInstance, opts: { admin: AdminService }): Promise<void> {
  const { admin } = opts;
  app.post<{ Body: OidcClientInput }>('/clients', { schema: addClientRoute }, async (req, reply) => {
    const { client, secret } = await admin.addClient(req.body, clientContext(req, 'admin'));
    return sendResult(reply.code(201), { client: oidcClientRecord(client), secret });
  });

  app.get('/clients', { schema: listClientsRoute }, async (_req, reply) => sendResult(reply, { clients: (await admin.listClients()).map(oidcClientRecord) }));

  app.delete<{ Params: { id: string } }>('/clients/:id', { schema: revokeClientRoute }, async (req, reply) => {
    const client = await admin.revokeClient(req.params.id, clientContext(req, 'admin'));
    return sendResult(reply, { client: oidcClientRecord(client) });
  });
}
