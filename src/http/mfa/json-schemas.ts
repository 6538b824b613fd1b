/**
 * Schemas of the JWT API's second-factor routes (docs/integration.md, "Second factor"): the
 * login's second step and the owner's TOTP and recovery-code routes. Response schemas list
 * properties in the order the handlers build them (see src/http/openapi/route-docs.ts).
 */
import { HEADERS, jsonResponse, PUBLIC, requires, type RouteSchema } from '../openapi/route-docs.js';
import { jwtErrorEnvelope, jwtResultEnvelope, tokenPairResult } from '../jwt-api/schemas.js';

const password = { type: 'string', minLength: 1, maxLength: 1023, description: 'The account’s current password.' } as const;
const code = { type: 'string', minLength: 1, maxLength: 64, description: 'A six-digit TOTP code, or a recovery code (`xxxx-xxxx-xxxx-xxxx`).' } as const;
const recoveryCodes = { type: 'array', items: { type: 'string' }, description: 'Ten single-use recovery codes, shown this once: keep them somewhere safe.' } as const;

export const mfaLoginBody = {
  type: 'object',
  additionalProperties: false,
  required: ['mfaToken', 'code'],
  properties: { mfaToken: { type: 'string', minLength: 1, maxLength: 256, description: 'The `mfaToken` of the `mfa_required` answer.' }, code },
} as const;
export const passwordBody = { type: 'object', additionalProperties: false, required: ['password'], properties: { password, code } } as const;
export const codeBody = { type: 'object', additionalProperties: false, required: ['code'], properties: { code } } as const;
export const proofBody = { type: 'object', additionalProperties: false, required: ['password', 'code'], properties: { password, code } } as const;

export interface MfaLoginBody {
  mfaToken: string;
  code: string;
}
export interface ProofBody {
  password: string;
  code?: string;
}

const fail = (description: string) => jsonResponse(description, jwtErrorEnvelope);
const ok = (description: string, result: Record<string, unknown>) => jsonResponse(description, jwtResultEnvelope(result));
const retry = { 'Retry-After': HEADERS.retryAfter };
const throttled = jsonResponse('`throttled`: too many wrong passwords or codes; wait Retry-After seconds.', jwtErrorEnvelope, retry);
const unavailable = jsonResponse('`busy` or `unavailable`, with Retry-After; `internal_error` (500) for a bug.', jwtErrorEnvelope, retry);
const badInput = fail('`invalid_input`: a field is missing, not a string, too long or unknown; or the state does not allow it (named in `field`).');
const codesResult = { type: 'object', additionalProperties: false, required: ['recoveryCodes'], properties: { recoveryCodes } } as const;
const ownerRefused = fail('`not_authenticated` (no valid access token) or `invalid_credentials` (a wrong password or code; counted by the login throttle).');

export const mfaLoginRoute = {
  summary: 'Complete a login with a second factor',
  description:
    'The second step after `401 mfa_required` from POST /api/v1/account/login: the `mfaToken` with a TOTP or recovery code answers the token pair. Wrong codes count in the login throttle; five kill the token.',
  tags: ['jwt'],
  security: PUBLIC,
  body: mfaLoginBody,
  response: {
    200: ok('A new token pair.', tokenPairResult),
    400: badInput,
    401: fail('`invalid_token` (unknown, expired, used, or from another address: log in again) or `invalid_credentials` (a wrong code).'),
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const mfaStatusRoute = {
  summary: 'Your second factor',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  response: {
    200: ok('Whether TOTP is on, and the recovery codes left.', {
      type: 'object',
      additionalProperties: false,
      required: ['totp', 'recoveryCodesLeft'],
      properties: { totp: { type: 'boolean' }, passkeys: { type: 'integer', description: 'Passkeys registered (they are used on the pages).' }, recoveryCodesLeft: { type: 'integer' } },
    }),
    401: ownerRefused,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const startTotpRoute = {
  summary: 'Start TOTP enrolment',
  description: 'With the password: a new TOTP secret (base32) and its `otpauth://` URI for an authenticator app. TOTP is on only once POST .../mfa/totp/confirm accepts a first code.',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  body: passwordBody,
  response: {
    200: ok('The secret to add to an authenticator app.', {
      type: 'object',
      additionalProperties: false,
      required: ['secret', 'uri'],
      properties: { secret: { type: 'string' }, uri: { type: 'string' } },
    }),
    400: badInput,
    401: ownerRefused,
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const confirmTotpRoute = {
  summary: 'Confirm TOTP enrolment',
  description: 'A first code from the app turns TOTP on; the answer holds ten recovery codes, shown once. The owner is mailed.',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  body: codeBody,
  response: { 200: ok('TOTP is on.', codesResult), 400: badInput, 401: ownerRefused, 429: throttled, '5XX': unavailable },
} satisfies RouteSchema;

export const disableTotpRoute = {
  summary: 'Turn TOTP off',
  description: 'With the password and a code: TOTP and the recovery codes go. The owner is mailed.',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  body: proofBody,
  response: {
    200: ok('TOTP is off.', { type: 'object', additionalProperties: false }),
    400: badInput,
    401: ownerRefused,
    404: fail('`not_found`: TOTP is not on.'),
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const regenerateCodesRoute = {
  summary: 'New recovery codes',
  description: 'With the password and a code: ten new recovery codes replace the old ones. The owner is mailed.',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  body: proofBody,
  response: { 200: ok('The new codes.', codesResult), 400: badInput, 401: ownerRefused, 429: throttled, '5XX': unavailable },
} satisfies RouteSchema;

const appPasswordView = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'created', 'lastUsed'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    lastUsed: { type: ['string', 'null'], format: 'date-time', description: 'Its last use on GET /api/ (recorded at most once a minute).' },
  },
} as const;

export const appPasswordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'password'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 100, description: 'What the app password is for (the client’s name).' }, password, code },
} as const;

export interface AppPasswordBody extends ProofBody {
  name: string;
}

export const listAppPasswordsRoute = {
  summary: 'Your app passwords',
  description: 'App passwords let HTTP Basic clients (`GET /api/`) check the credentials of an account with a second factor; nothing else accepts them.',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  response: {
    200: ok('Newest first; never their secrets.', { type: 'object', additionalProperties: false, required: ['appPasswords'], properties: { appPasswords: { type: 'array', items: appPasswordView } } }),
    401: ownerRefused,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const createAppPasswordRoute = {
  summary: 'Make an app password',
  description: 'With the password (and a code when a second factor is on): a generated app password, shown this once. The owner is mailed. At most 20 per account.',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  body: appPasswordBody,
  response: {
    200: ok('The new app password.', {
      type: 'object',
      additionalProperties: false,
      required: ['appPassword', 'password'],
      properties: { appPassword: appPasswordView, password: { type: 'string', description: 'The secret, shown once: give it to the Basic client as its password.' } },
    }),
    400: badInput,
    401: ownerRefused,
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const revokeAppPasswordRoute = {
  summary: 'Revoke an app password',
  description: 'With the password (and a code when a second factor is on). The owner is mailed.',
  tags: ['jwt'],
  security: requires('bearerAccess'),
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } } },
  body: passwordBody,
  response: {
    200: ok('It no longer works.', { type: 'object', additionalProperties: false }),
    400: badInput,
    401: ownerRefused,
    404: fail('`not_found`: no app password of yours has this id.'),
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;
