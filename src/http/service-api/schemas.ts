/** Schemas of the service API: the introspection body, its answer and its errors. */

export interface IntrospectBody {
  session?: string;
  token?: string;
}

const errorEnvelope = {
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { type: 'boolean', const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
    },
  },
} as const;

const introspection = {
  type: 'object',
  required: ['active'],
  description: 'RFC 7662 style: `active` is false for anything unknown, expired, malformed or of a disabled account, and then nothing else is given.',
  properties: {
    active: { type: 'boolean' },
    uuid: { type: 'string', format: 'uuid', description: 'the account id' },
    username: { type: ['string', 'null'], description: 'null for an account created with only an email' },
    expires: { type: 'integer', description: 'seconds since the epoch when this credential stops working unless it is used again' },
    amr: { type: 'array', items: { type: 'string' }, description: 'how the login was made (RFC 8176): `["pwd"]` a password, `["pwd","otp"]` a password and a TOTP or recovery code' },
  },
} as const;

export const introspectSchema = {
  summary: 'Introspect a user credential (a sessionid cookie value, or an access or refresh token)',
  description:
    'Needs a service key (`latchkey service add NAME`). Send exactly one of `session` or `token`. Rate-limited per key (429 with Retry-After); after 20 wrong keys a minute from one address, that address gets 429 until the minute ends.',
  tags: ['service'],
  security: [{ serviceKey: [] }],
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      session: { type: 'string', minLength: 1, maxLength: 256, description: 'the value of a `sessionid` cookie' },
      token: { type: 'string', minLength: 1, maxLength: 4096, description: 'an access token (JWT) or a refresh token' },
    },
  },
  response: {
    200: { type: 'object', required: ['ok', 'result'], properties: { ok: { type: 'boolean', const: true }, result: introspection } },
    400: errorEnvelope,
    401: errorEnvelope,
    429: errorEnvelope,
  },
} as const;
