/** JSON schemas of the Basic dialect (README, "The HTTP Basic API"): its bodies (exact types, length caps, no unknown fields; byte limits are the core's) and its route schemas. */
import { credentialsBody, newAccountBody, username } from '../account-bodies.js';
import type { RouteSchema } from '../openapi/route-docs.js';

export const createAccountBody = newAccountBody;

export const changePasswordBody = credentialsBody;

export const resetPasswordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username'],
  properties: { username },
} as const;

export interface CreateAccountBody {
  username: string;
  password: string;
  email?: string;
}
export interface ChangePasswordBody {
  username: string;
  password: string;
}
export interface ResetPasswordBody {
  username: string;
}

// ---- Route schemas (the OpenAPI document is generated from these; see src/http/openapi/). ----
// Response schemas also drive serialization: properties are listed in the order the handlers
// (index.ts) and sendBasicProblem (errors.ts) build them; nullable values as ['string', 'null'].

/** The Basic dialect's error body: `{"error","message","field"?}` (errors.ts). */
export const basicErrorBody = {
  type: 'object',
  additionalProperties: false,
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'A stable code: `unauthorized`, `invalid_input`, `invalid_json`, `username_taken`, `forbidden`, `throttled`, `busy`, …' },
    message: { type: 'string', description: 'A sentence for people; do not parse it.' },
    field: { type: 'string', description: 'The input field at fault (400 only).' },
  },
} as const;

const retryAfter = { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } };
const fail = (description: string) => ({ description, content: { 'application/json': { schema: basicErrorBody } } });
const unauthorized = {
  description: '`unauthorized`: missing, malformed or wrong credentials (one answer for every cause).',
  headers: { 'WWW-Authenticate': { description: 'Always `Basic realm="latchkey"`.', schema: { type: 'string' } } },
  content: { 'application/json': { schema: basicErrorBody } },
};
const throttled = { description: '`throttled`: too many attempts; wait Retry-After seconds.', headers: { 'Retry-After': retryAfter }, content: { 'application/json': { schema: basicErrorBody } } };
const unavailable = {
  description: '`busy` or `unavailable` (503, with Retry-After); `internal_error` (500) for a bug.',
  headers: { 'Retry-After': retryAfter },
  content: { 'application/json': { schema: basicErrorBody } },
};
const crossSite = fail('`forbidden`: the browser says the request comes from another site.');
const unsupported = fail('`unsupported_media_type`: a body that is neither JSON nor sent without a Content-Type (text/plain, a form).');
const BODY_NOTE = ' The body is JSON, sent as `application/json` or with no Content-Type at all.';
const OPEN_NOTE = `${BODY_NOTE} A request a browser marks as sent by a page of another site is refused (403) unless its origin is in CORS_ORIGINS.`;
const emptyObject = { description: 'Always `{}`.', content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } } };

export const createAccountRoute = {
  summary: 'Create an account (user@domain)',
  description:
    'The username has the form `user@domain` (a domain in ACCOUNT_DOMAINS when set). The README’s curl body with shell `\\`-newline continuations is accepted as written.' +
    OPEN_NOTE,
  tags: ['basic'],
  security: [],
  body: createAccountBody,
  response: {
    201: {
      description: 'The new account.',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'username', 'email'],
            properties: {
              id: { type: 'string', format: 'uuid' },
              username: { type: ['string', 'null'] },
              email: { type: ['string', 'null'], description: 'null when none was given (then no password reset is possible).' },
            },
          },
        },
      },
    },
    400: fail('`invalid_input` naming the `field` (also for a weak password), or `invalid_json`.'),
    403: crossSite,
    409: fail('`username_taken`: the username or the email is already in use (one answer for both, naming neither).'),
    415: unsupported,
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const checkCredentialsRoute = {
  summary: 'Check credentials',
  description: '`200` when the Basic credentials are valid. Also served at `/api` without the slash.',
  tags: ['basic'],
  security: [{ basicAuth: [] }],
  response: {
    200: {
      description: 'The credentials are valid.',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'username'],
            properties: { id: { type: 'string', format: 'uuid' }, username: { type: ['string', 'null'] } },
          },
        },
      },
    },
    401: unauthorized,
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const deleteAccountRoute = {
  summary: 'Delete the account',
  description: 'Deletes the account of the Basic credentials and ends its sessions. Refused (403) when a browser says the request is cross-site.',
  tags: ['basic'],
  security: [{ basicAuth: [] }],
  response: { 200: emptyObject, 401: unauthorized, 403: crossSite, 429: throttled, '5XX': unavailable },
} satisfies RouteSchema;

export const changePasswordRoute = {
  summary: 'Change the password',
  description: '`username` must name the account of the credentials; `password` is the new password. Other sessions are ended.' + BODY_NOTE,
  tags: ['basic'],
  security: [{ basicAuth: [] }],
  body: changePasswordBody,
  response: {
    200: emptyObject,
    400: fail('`invalid_input` naming the `field` (also for a weak password), or `invalid_json`.'),
    401: unauthorized,
    403: fail('`forbidden`: `username` is not the account of the credentials, or the request is cross-site.'),
    415: unsupported,
    429: throttled,
    '5XX': unavailable,
  },
} satisfies RouteSchema;

export const resetPasswordRoute = {
  summary: 'Request a password reset',
  description:
    'Emails a reset link (PASSWORD_RESET_MODE=link, the default) or a new password (PASSWORD_RESET_MODE=new_password: README, "The HTTP Basic API"). The answer is the same whether or not the account exists.' +
    OPEN_NOTE,
  tags: ['basic'],
  security: [],
  body: resetPasswordBody,
  response: { 200: emptyObject, 400: fail('`invalid_input` or `invalid_json`.'), 403: crossSite, 415: unsupported, 429: throttled, '5XX': unavailable },
} satisfies RouteSchema;
