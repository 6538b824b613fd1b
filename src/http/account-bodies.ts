/**
 * The request bodies the JWT API and the Basic API share (exact types, length caps, no unknown
 * fields; byte limits are the core's): a new account, and a username with a password.
 */
export const username = { type: 'string', minLength: 1, maxLength: 1023 } as const;
export const password = { type: 'string', minLength: 1, maxLength: 1023 } as const;
export const email = { type: 'string', minLength: 3, maxLength: 254 } as const;

/** A new account: username and password, optionally an email. */
export const newAccountBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username, password, email },
} as const;

/** A username and a password. */
export const credentialsBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username, password },
} as const;
