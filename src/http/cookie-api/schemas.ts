/**
 * Route schemas of the cookie-session API (README, "The cookie-session API"), for the OpenAPI document. The actions
 * validate their input by hand (actions.ts) and answer `unknown_action` with the list of
 * actions for a bad `?do=`, so the query and the body are described with `parameters` and
 * `requestBody` (documentation only) rather than `querystring` / `body`, which Fastify would
 * validate with other error bodies. The response schemas serialize: properties are in the
 * order sendCookieApiError (errors.ts) builds them.
 */
import type { RouteSchema } from '../openapi/route-docs.js';
import { ACTIONS } from './errors.js';

/** The cookie API's error body: `{"error":{"code","message","field"?,"actions"?}}`. */
export const cookieErrorBody = {
  type: 'object',
  additionalProperties: false,
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'A stable lower-case code, e.g. `invalid_credentials`.' },
        message: { type: 'string', description: 'A sentence for people; do not parse it.' },
        field: { type: 'string', description: 'The input field at fault, when there is one.' },
        actions: { type: 'array', items: { type: 'string', enum: [...ACTIONS] }, description: 'The valid actions (`unknown_action` only).' },
        mfaToken: { type: 'string', description: '`mfa_required` only: send it with a code as `do=login_mfa`. Single use, short-lived, from the same address.' },
        methods: { type: 'array', items: { type: 'string', enum: ['totp', 'passkey', 'recovery_code'] }, description: '`mfa_required` only: the second factors on offer.' },
        expiresIn: { type: 'integer', description: '`mfa_required` only: seconds the mfaToken lives.' },
      },
    },
  },
} as const;

const retryAfter = { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } };
const fail = (description: string) => ({ description, content: { 'application/json': { schema: cookieErrorBody } } });

const credentials = {
  type: 'object',
  title: 'login',
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', maxLength: 1023, description: 'A username or an email address.' },
    password: { type: 'string', maxLength: 1023 },
  },
};

/** POST /accounts/action/?do=… (and the same path without the trailing slash). */
export const actionRoute = {
  summary: 'Run an account action (`?do=create`, `login`, `logout`, `check_login`, `check_login_with_return_uuid`, `login_mfa`)',
  description: [
    'The cookie-session API’s RPC (README): the action is the `do` query parameter, the body is JSON (an empty body counts as `{}`).',
    '`create` signs up by email: the same 200 whether or not the address has an account (its owner then gets a notice); a confirmation link valid 24 h is emailed.',
    '`login` sets the session and CSRF cookies; for an account with a second factor it answers 401 `mfa_required` with an `mfaToken` instead, and `login_mfa` `{"mfaToken","code"}` (a TOTP or recovery code) sets the cookies. `logout` ends the session and clears them; with a live session it needs `X-CSRFToken` equal to the CSRF cookie, or an Origin/Referer of PUBLIC_URL.',
    '`check_login` is 200 with a live session; `check_login_with_return_uuid` also answers the account UUID (its body is ignored).',
    '`create` and `login` need no credential; the other actions use the session cookie. A request another site sends is refused (403).',
  ].join('\n\n'),
  tags: ['cookie'],
  security: [{}, { sessionCookie: [] }],
  parameters: [
    { name: 'do', in: 'query', required: true, description: 'The action.', schema: { type: 'string', enum: [...ACTIONS] } },
    { name: 'X-CSRFToken', in: 'header', description: 'The CSRF cookie’s value (logout with a live session).', schema: { type: 'string' } },
  ],
  requestBody: {
    description: 'By action: `create` `{"email","promo"?}`; `login` `{"username","password"}`; the others `{}` (any body is ignored by check_login_with_return_uuid).',
    required: false,
    content: {
      'application/json': {
        schema: {
          anyOf: [
            {
              type: 'object',
              title: 'create',
              additionalProperties: false,
              required: ['email'],
              properties: {
                email: { type: 'string', maxLength: 320 },
                promo: { type: 'string', maxLength: 100, description: 'A promo code (see `latchkey promo`).' },
              },
            },
            credentials,
            {
              type: 'object',
              title: 'login_mfa',
              required: ['mfaToken', 'code'],
              properties: { mfaToken: { type: 'string', maxLength: 256 }, code: { type: 'string', maxLength: 64, description: 'A six-digit TOTP code or a recovery code.' } },
            },
            { type: 'object', title: 'logout, check_login', description: 'Empty.' },
          ],
        },
      },
    },
  },
  response: {
    200: {
      description:
        'Success, always a JSON object: `create` answers `{"success": true}` (the same whether or not the address already has an account), `login`, `logout` and `check_login` answer `{}`, `check_login_with_return_uuid` answers `{"uuid"}`.',
      headers: {
        'Set-Cookie': { description: '`login`: the session cookie (HttpOnly) and the CSRF cookie; `logout`: both cleared.', schema: { type: 'string' } },
      },
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: false,
            properties: {
              success: { type: 'boolean', const: true, description: '`create` only.' },
              uuid: { type: 'string', format: 'uuid', description: '`check_login_with_return_uuid` only: the session’s account.' },
            },
          },
        },
      },
    },
    400: fail('`unknown_action` (with `actions`), `invalid_input` naming the `field` (create), or `invalid_json`.'),
    401: fail('`invalid_credentials` (login, one answer for every cause; login_mfa, a wrong code), `mfa_required` (login of an account with a second factor, with `mfaToken`), `invalid_token` (login_mfa: an unknown, used or expired step) or `not_authenticated` (no live session).'),
    403: fail('`forbidden`: the request failed the cross-site request forgery check; or `mfa_enrolment_required` (login with REQUIRE_MFA=on, an account with no second factor yet: its owner adds one on the pages first).'),
    429: { description: '`throttled`: too many attempts; wait Retry-After seconds.', headers: { 'Retry-After': retryAfter }, content: { 'application/json': { schema: cookieErrorBody } } },
    '5XX': {
      description: '`busy` or `unavailable` (503, with Retry-After); `internal_error` (500) for a bug.',
      headers: { 'Retry-After': retryAfter },
      content: { 'application/json': { schema: cookieErrorBody } },
    },
  },
} satisfies RouteSchema;

/** Any other method on the action path. */
export const actionWrongMethodRoute = {
  summary: 'Wrong method for the action path (405)',
  description: 'Every action is a POST; other methods answer 405 with `Allow: POST`.',
  tags: ['cookie'],
  security: [],
  response: {
    405: {
      description: '`method_not_allowed`.',
      headers: { Allow: { description: 'Always `POST`.', schema: { type: 'string' } } },
      content: { 'application/json': { schema: cookieErrorBody } },
    },
  },
} satisfies RouteSchema;
