/** JSON schemas of the native API's bodies: exact types, length caps, no unknown fields. */
const username = { type: 'string', minLength: 1, maxLength: 1023 } as const;
const password = { type: 'string', minLength: 1, maxLength: 1023 } as const;

export const registerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username, password, email: { type: 'string', minLength: 3, maxLength: 254 } },
} as const;

export const loginBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username, password },
} as const;

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
