/** JSON schemas of the Basic dialect's bodies (seed 001): exact types, length caps, no unknown fields. Byte limits are the core's. */
const username = { type: 'string', minLength: 1, maxLength: 1023 } as const;
const password = { type: 'string', minLength: 1, maxLength: 1023 } as const;

export const createAccountBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username, password, email: { type: 'string', minLength: 3, maxLength: 254 } },
} as const;

export const changePasswordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username, password },
} as const;

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
