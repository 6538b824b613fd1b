/** Route schemas of the operational routes at the root of the app (app.ts) and of the API reference itself. */
import { htmlResponse, jsonResponse, PUBLIC, type RouteSchema } from './route-docs.js';

const errorEnvelope = {
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { type: 'boolean', const: false },
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
};

export const healthzRoute: RouteSchema = {
  summary: 'Liveness: the process answers',
  tags: ['ops'],
  security: PUBLIC,
  response: { 200: jsonResponse('Alive.', { type: 'object', additionalProperties: false, required: ['ok'], properties: { ok: { type: 'boolean', const: true } } }) },
};

// The 503 body is `{"ok":false}` from the handler, or the error envelope if a hook refuses the request: both fit.
const readiness = {
  type: 'object',
  additionalProperties: false,
  required: ['ok'],
  properties: {
    ok: { type: 'boolean' },
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
};

export const readyzRoute: RouteSchema = {
  summary: 'Readiness: the database answers and its schema is current',
  tags: ['ops'],
  security: PUBLIC,
  response: {
    200: jsonResponse('Ready: `{"ok":true}`.', readiness),
    503: jsonResponse('Not ready (database (or Redis, when REDIS_URL is set) unreachable, or the schema not migrated): `{"ok":false}`.', readiness),
  },
};

export const jwksRoute: RouteSchema = {
  summary: 'The public keys that sign access tokens (JWKS)',
  description: 'Verify access tokens offline with these keys: EdDSA (Ed25519), chosen by `kid`; require `typ: at+jwt` and the issuer. Cached for 5 minutes.',
  tags: ['ops'],
  security: PUBLIC,
  response: {
    200: jsonResponse('The key set (RFC 7517).', {
      type: 'object',
      additionalProperties: false,
      required: ['keys'],
      properties: {
        keys: {
          type: 'array',
          items: {
            // Listed in the order the signer builds them (node's JWK export, then kid, alg, use); any other member follows.
            type: 'object',
            additionalProperties: true,
            properties: {
              crv: { type: 'string', examples: ['Ed25519'] },
              x: { type: 'string', description: 'The public key, base64url.' },
              kty: { type: 'string', examples: ['OKP'] },
              kid: { type: 'string' },
              alg: { type: 'string', examples: ['EdDSA'] },
              use: { type: 'string', examples: ['sig'] },
            },
          },
        },
      },
    }),
  },
};

export const openApiRoute: RouteSchema = {
  summary: 'This API’s OpenAPI 3.1 document',
  description: 'Generated from the route schemas at start-up; every route of every surface.',
  tags: ['ops'],
  security: PUBLIC,
  response: { 200: jsonResponse('The OpenAPI document.', { type: 'object', additionalProperties: true }), '5XX': jsonResponse('Failure.', errorEnvelope) },
};

export const docsRoute: RouteSchema = {
  summary: 'The API reference as a page',
  description: 'The OpenAPI document rendered as HTML on the server (no script).',
  tags: ['ops'],
  security: PUBLIC,
  response: { 200: htmlResponse('The API reference.') },
};
