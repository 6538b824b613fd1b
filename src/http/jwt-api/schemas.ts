/** JSON schemas of the JWT API: its bodies (exact types, length caps, no unknown fields) and its route schemas. */
import { credentialsBody, newAccountBody } from '../account-bodies.js';
import type { RouteSchema } from '../openapi/route-docs.js';

export const registerBody = newAccountBody;

export const loginBody = credentialsBody;

export const refreshBody = {
  type: 'object',
  additionalProperties: false,
  required: ['refresh'],
  properties: { refresh: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;

export interface RegisterBody {
  username: string;
  password: string;
  email?: string;
}
export interface LoginBody {
  username: string;
  password: string;
}
export interface RefreshBody {
  refresh: string;
}

// ---- Route schemas (the OpenAPI document is generated from these; see src/http/openapi/). ----
// Response schemas also drive serialization: properties are listed in the order the handlers
// build them (sendResult / sendProblem in envelope.ts), nullable values as ['string', 'null'].

/** The failure envelope of every JWT API route: `{"ok":false,"error":{"code","message","field"?}}`. */
export const jwtErrorEnvelope = {
  type: 'object',
  additionalProperties: false,
  required: ['ok', 'error'],
  properties: {
    ok: { type: 'boolean', const: false },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'A stable lower-case code, e.g. `invalid_credentials`.', examples: ['invalid_input'] },
        message: { type: 'string', description: 'A sentence for people; do not parse it.' },
        field: { type: 'string', description: 'The input field at fault, when there is one.' },
      },
    },
  },
} as const;

/** The failure envelope of a login, whose `mfa_required` error also carries the second step (src/http/mfa/mfa-required.ts). */
export const loginErrorEnvelope = {
  ...jwtErrorEnvelope,
  properties: {
    ...jwtErrorEnvelope.properties,
    error: {
      ...jwtErrorEnvelope.properties.error,
      properties: {
        ...jwtErrorEnvelope.properties.error.properties,
        mfaToken: { type: 'string', description: 'With `mfa_required`: send it with a code to POST /api/v1/account/login/mfa. Single use, short-lived, from the same address.' },
        methods: { type: 'array', items: { type: 'string', enum: ['totp', 'passkey', 'recovery_code'] }, description: 'With `mfa_required`: the second factors on offer.' },
        expiresIn: { type: 'integer', description: 'With `mfa_required`: seconds the mfaToken lives.' },
      },
    },
  },
} as const;

/** The success envelope around a result schema. */
export function jwtResultEnvelope(result: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required: ['ok', 'result'], properties: { ok: { type: 'boolean', const: true }, result } };
}

const emptyResult = { type: 'object', additionalProperties: false, description: 'Always `{}`.' } as const;

export const tokenPairResult = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: {
    token: {
      type: 'object',
      additionalProperties: false,
      required: ['access', 'refresh'],
      properties: {
        access: { type: 'string', description: 'EdDSA JWT (`typ: at+jwt`), claims `iss sub sid iat exp jti`; verify with /.well-known/jwks.json.' },
        refresh: { type: 'string', description: 'Opaque refresh token; rotates on every use.' },
      },
    },
  },
} as const;

/** The public view of an account (accountView in account-routes.ts). */
export const accountViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'username', 'email', 'status', 'created', 'emailVerified', 'hasPassword', 'locale'],
  properties: {
    id: { type: 'string', format: 'uuid', description: 'The account UUID (`sub` of its access tokens).' },
    username: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['pending', 'active', 'disabled'] },
    created: { type: 'string', format: 'date-time' },
    emailVerified: { type: 'boolean', description: 'True once the address has been confirmed through an emailed link (or imported as verified).' },
    hasPassword: { type: 'boolean', description: 'True when the account has a password (false until a pending account confirms).' },
    locale: { type: ['string', 'null'], description: 'The language of the account\'s emails (`POST /locale` changes it); null: DEFAULT_LANGUAGE.' },
  },
} as const;

const fail = (description: string) => ({
  description,
  content: { 'application/json': { schema: jwtErrorEnvelope } },
});
const unavailable = {
  description: '`busy` (too many password checks waiting) or `unavailable` (database unreachable), with Retry-After; `internal_error` (500) for a bug.',
  headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } } },
  content: { 'application/json': { schema: jwtErrorEnvelope } },
};
const throttled = {
  description: '`throttled`: too many attempts; wait Retry-After seconds.',
  headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } } },
  content: { 'application/json': { schema: jwtErrorEnvelope } },
};
const refreshThrottled = {
  ...throttled,
  description:
    '`throttled`: this session rotated more than REFRESH_ROTATIONS_PER_MINUTE times this minute, or this address presented more than TOKEN_FAILURES_PER_IP_MINUTE unusable tokens; wait Retry-After seconds (the session stays alive).',
};
const badToken = fail('`not_authenticated` (no `Authorization: Bearer`), `invalid_token` (bad, expired or ended), or `token_reused` (a rotated refresh token: its whole chain is revoked).');
const ok = (description: string, result: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema: jwtResultEnvelope(result) } },
});

export const registerRoute = {
  summary: 'Register an account',
  description: 'Creates an active account with a username and password (and optionally an email). Usernames are unique without regard to case or Unicode width.',
  tags: ['jwt'],
  security: [],
  body: registerBody,
  response: {
    200: ok('The account exists.', emptyResult),
    400: fail('`invalid_input` or `weak_password`, naming the `field`; `invalid_json` for a malformed body.'),
    409: fail('`username_taken`: the username or the email is already in use (one answer for both, naming neither).'),
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const loginRoute = {
  summary: 'Log in for tokens',
  description: 'Checks a username (or email) and password and starts a session: a 15-minute access token and a rotating refresh token.',
  tags: ['jwt'],
  security: [],
  body: loginBody,
  response: {
    200: ok('A new token pair.', tokenPairResult),
    400: fail('`invalid_input`: a field is missing, not a string, too long or unknown.'),
    401: {
      description: '`invalid_credentials`, the same answer for every cause; or `mfa_required` with an `mfaToken` for POST /api/v1/account/login/mfa (the account has a second factor).',
      content: { 'application/json': { schema: loginErrorEnvelope } },
    },
    403: fail('`mfa_enrolment_required` (REQUIRE_MFA=on): the account has no second factor yet; its owner signs in on /login and adds one on /account first.'),
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const logoutRoute = {
  summary: 'Log out',
  description: 'Ends the access token’s session and its refresh chain at once.',
  tags: ['jwt'],
  security: [{ bearerAccess: [] }],
  response: { 200: ok('The session has ended.', emptyResult), 401: badToken, '5XX': unavailable },
} satisfies RouteSchema;

export const refreshWithHeaderRoute = {
  summary: 'Rotate a refresh token (header)',
  description:
    'Presents the refresh token as `Authorization: Bearer`; answers a new pair and ends the old session. A rotated token presented again revokes the chain, except within REFRESH_REUSE_GRACE seconds, when it answers the same successor pair.',
  tags: ['jwt'],
  security: [{ bearerRefresh: [] }],
  response: { 200: ok('A new token pair.', tokenPairResult), 401: badToken, 429: refreshThrottled, '5XX': unavailable },
} satisfies RouteSchema;

export const refreshWithBodyRoute = {
  summary: 'Rotate a refresh token (body)',
  description: 'The same as `GET /api/v1/account/refresh`, with the refresh token in the body.',
  tags: ['jwt'],
  security: [],
  body: refreshBody,
  response: {
    200: ok('A new token pair.', tokenPairResult),
    400: fail('`invalid_input`: `refresh` is missing, not a string or too long.'),
    401: badToken,
    429: refreshThrottled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const meRoute = {
  summary: 'The current account',
  tags: ['jwt'],
  security: [{ bearerAccess: [] }],
  response: { 200: ok('The account of the access token.', accountViewSchema), 401: badToken, '5XX': unavailable },
} satisfies RouteSchema;
