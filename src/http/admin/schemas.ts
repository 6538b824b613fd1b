/**
 * Schemas of the admin API: bodies and query strings (exact types, length caps, no unknown
 * fields), and the route schemas the OpenAPI document is generated from. Response properties
 * are listed in the order the records are built (src/core/admin/records.ts), nullable ones as
 * `['string', 'null']`, since they also drive serialization.
 */
import { jwtErrorEnvelope, jwtResultEnvelope } from '../jwt-api/schemas.js';
import { HEADERS, jsonResponse, requires, type RouteSchema } from '../openapi/route-docs.js';

export interface AddUserBody {
  username?: string;
  email?: string;
  password?: string;
}

export interface SetPasswordBody {
  password?: string;
}

export interface SetUsernameBody {
  /** The new username; null removes it (the account must have an email). */
  username: string | null;
}

export interface ListUsersQuery {
  limit?: string;
  after?: string;
  status?: 'pending' | 'active' | 'disabled';
  search?: string;
}

export interface UserParams {
  id: string;
}

const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const password = { type: 'string', minLength: 1, maxLength: 1023, description: 'Checked against the password policy (length, common and name-based passwords).' } as const;
const status = { type: 'string', enum: ['pending', 'active', 'disabled'] } as const;
const nullableTime = (description: string) => ({ type: ['string', 'null'], format: 'date-time', description }) as const;

const userProperties = {
  id: { type: 'string', format: 'uuid' },
  username: { type: ['string', 'null'], description: 'null for an account created with only an email' },
  email: { type: ['string', 'null'] },
  status: { ...status, description: '`pending`: signed up by email, never confirmed; `disabled`: refused everywhere' },
  hasPassword: { type: 'boolean', description: 'false for an account that never set a password' },
  emailVerifiedAt: nullableTime('when the address was confirmed by its link'),
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
  locale: { type: ['string', 'null'], description: 'the language of its pages and emails (`en`, `de`); null: DEFAULT_LANGUAGE' },
} as const;

export const userSchema = {
  type: 'object',
  additionalProperties: false,
  required: Object.keys(userProperties),
  properties: userProperties,
} as const;

const userDetailSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...Object.keys(userProperties), 'liveSessions', 'lastLoginAt'],
  properties: {
    ...userProperties,
    liveSessions: { type: 'integer', minimum: 0, description: 'live logins on every surface (a refresh chain counts once)' },
    lastLoginAt: nullableTime('the last successful password login on record (audit log, AUDIT_RETENTION_DAYS)'),
  },
} as const;

const mailSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'template', 'recipient', 'status', 'attempts', 'createdAt', 'nextAttemptAt', 'sentAt', 'lastError'],
  properties: {
    id: { type: 'string' },
    template: { type: 'string' },
    recipient: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'sent', 'failed'] },
    attempts: { type: 'integer', minimum: 0 },
    createdAt: { type: 'string', format: 'date-time' },
    nextAttemptAt: nullableTime('when the sender next tries it (pending messages only)'),
    sentAt: nullableTime('when the SMTP server accepted it'),
    lastError: { type: ['string', 'null'] },
  },
} as const;

const sessionsEnded = { type: 'integer', minimum: 0, description: 'live sessions (logins) ended' } as const;
const generatedPassword = {
  type: ['string', 'null'],
  description: 'the generated password when none was sent: shown this once, never stored or logged; null when you sent one',
} as const;

function result(properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties), properties };
}

export const ok = (description: string, properties: Record<string, unknown>) => jsonResponse(description, jwtResultEnvelope(result(properties)));
export const fail = (description: string) => jsonResponse(description, jwtErrorEnvelope);
export const unauthorized = fail('`not_authenticated`: no admin key, or not the one in ADMIN_API_KEY (a user token is never one).');
const notFound = fail('`not_found`: no account has this id, username or email.');
export const unavailable = jsonResponse('`busy` or `unavailable` (database unreachable), with Retry-After; `internal_error` (500) for a bug.', jwtErrorEnvelope, {
  'Retry-After': HEADERS.retryAfter,
});

const userParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200, description: 'An account id, or a username or email (an id is tried first).' },
  },
} as const;

const throttled = jsonResponse('`throttled`: too many wrong keys from this address this minute (any key is refused until it ends).', jwtErrorEnvelope, {
  'Retry-After': HEADERS.retryAfter,
});

/** An admin route's schema: the admin key, the `admin` tag, the wrong-key throttle's answer. */
export function adminRoute(schema: Omit<RouteSchema, 'tags' | 'security'>): RouteSchema {
  return { ...schema, response: { 429: throttled, ...schema.response }, tags: ['admin'], security: requires('adminKey') };
}

export const addUserRoute = adminRoute({
  summary: 'Create an account',
  description:
    'Creates an active account with a username, an email or both. Without `password` a strong one is generated and returned once. The password policy and the uniqueness rules of registration apply; no per-address limit.',
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 1023 },
      email: { type: 'string', minLength: 3, maxLength: 254 },
      password,
    },
  },
  response: {
    201: ok('The account was created.', { user: userSchema, generatedPassword }),
    400: fail('`invalid_input` or `weak_password`, naming the field.'),
    401: unauthorized,
    409: fail('`username_taken` or `email_taken`.'),
    '5XX': unavailable,
  },
});

export const listUsersRoute = adminRoute({
  summary: 'List accounts',
  description: 'Newest first, a page at a time: pass the answer’s `next` as `after` for the next page (`next` is null on the last one).',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: 'accounts per page, 1 to 500 (default 50)' },
      after: { type: 'string', pattern: UUID_PATTERN, description: 'the `next` of the previous page' },
      status,
      search: { type: 'string', minLength: 1, maxLength: 254, description: 'the start of a username or email, compared case-insensitively' },
    },
  },
  response: {
    200: ok('A page of accounts.', {
      users: { type: 'array', items: userSchema },
      next: { type: ['string', 'null'], description: 'the `after` of the next page; null on the last page' },
    }),
    400: fail('`invalid_input`: a bad limit, status, search or cursor.'),
    401: unauthorized,
    '5XX': unavailable,
  },
});

export const showUserRoute = adminRoute({
  summary: 'Show an account',
  description: 'The account with its number of live sessions and its last login. Never the password hash.',
  params: userParams,
  response: { 200: ok('The account.', { user: userDetailSchema }), 401: unauthorized, 404: notFound, '5XX': unavailable },
});

const statusChange = {
  user: userSchema,
  changed: { type: 'boolean', description: 'false when the account already was in that state' },
  sessionsEnded,
} as const;

export const disableUserRoute = adminRoute({
  summary: 'Disable an account',
  description:
    'The account is refused everywhere (login, access and refresh tokens, cookie sessions, HTTP Basic, introspection) from the next request on: every session and refresh chain ends in the same transaction, and emailed links die.',
  params: userParams,
  response: { 200: ok('The account is disabled.', statusChange), 401: unauthorized, 404: notFound, '5XX': unavailable },
});

export const enableUserRoute = adminRoute({
  summary: 'Enable an account',
  description: 'A disabled account becomes active again (pending if it never set a password). Sessions from before stay ended: its owner logs in again.',
  params: userParams,
  response: { 200: ok('The account is enabled.', statusChange), 401: unauthorized, 404: notFound, '5XX': unavailable },
});

export const deleteUserRoute = adminRoute({
  summary: 'Delete an account',
  description: 'Deletes the account with its sessions, refresh chains and links, and emails its owner the deletion notice, as the users’ own deletion does. The username and email are free again.',
  params: userParams,
  response: { 200: ok('The account is gone; this is what it was.', { user: userSchema }), 401: unauthorized, 404: notFound, '5XX': unavailable },
});

export const setPasswordRoute = adminRoute({
  summary: 'Set an account’s password',
  description:
    'Send `{"password": "..."}`, or `{}` to have one generated (returned once). The policy applies. Every session and refresh chain ends, reset links die, and the owner is emailed the password-changed notice. A pending account becomes active; a disabled one stays disabled.',
  params: userParams,
  body: { type: 'object', additionalProperties: false, properties: { password } },
  response: {
    200: ok('The password is set.', { user: userSchema, generatedPassword, sessionsEnded }),
    400: fail('`invalid_input` or `weak_password` (field `password`).'),
    401: unauthorized,
    404: notFound,
    '5XX': unavailable,
  },
});

export const setUsernameRoute = adminRoute({
  summary: 'Rename an account',
  description:
    'Send `{"username": "new"}`, or `{"username": null}` to remove it from an account that has an email. Usernames and emails are one namespace of login identifiers: a name that another account uses as username or email is refused. ACCOUNT_DOMAINS applies. This is also how a username listed by `latchkey user collisions` is resolved (name the account by its id).',
  params: userParams,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['username'],
    properties: { username: { type: ['string', 'null'], maxLength: 1023 } },
  },
  response: {
    200: ok('The username is set.', { user: userSchema }),
    400: fail('`invalid_input` (field `username`).'),
    401: unauthorized,
    404: notFound,
    409: fail("`username_taken`: another account's username or email."),
    '5XX': unavailable,
  },
});

export const revokeSessionsRoute = adminRoute({
  summary: 'End every session of an account',
  description: 'Every cookie session, access token and refresh chain of the account is refused from the next request on. The account itself is unchanged.',
  params: userParams,
  response: { 200: ok('The sessions have ended.', { user: userSchema, sessionsEnded }), 401: unauthorized, 404: notFound, '5XX': unavailable },
});

export const listMailRoute = adminRoute({
  summary: 'List the mail outbox',
  description: 'The newest 500 messages (as `latchkey outbox`), or with `failed=true` only those that gave up. Never a message’s contents or link tokens.',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { failed: { type: 'string', enum: ['true', 'false'], description: '`true`: only failed messages' } },
  },
  response: {
    200: ok('The messages, newest first.', { messages: { type: 'array', items: mailSchema } }),
    400: fail('`invalid_input`: `failed` is not true or false.'),
    401: unauthorized,
    '5XX': unavailable,
  },
});

export const retryMailRoute = adminRoute({
  summary: 'Retry an email',
  description: 'Makes a failed or pending message due now (a failed one gets fresh attempts); a running node sends it within its poll interval.',
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['id'],
    properties: { id: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$', description: 'A message id from the outbox list.' } },
  },
  response: {
    200: ok('The message is due now.', { id: { type: 'string' }, retried: { type: 'boolean', const: true } }),
    400: fail('`invalid_input`: not a message id.'),
    401: unauthorized,
    404: fail('`not_found`: no pending or failed message has this id (a sent one cannot be retried).'),
    '5XX': unavailable,
  },
});
