/**
 * Bodies and route schemas of the JSON API's self-service routes (self-service-routes.ts): sign-up
 * by email, confirmation, resend, password reset, password change, email change, deletion.
 * Exact types, length caps, no unknown fields; the OpenAPI document is generated from these.
 */
import { LANGUAGES } from '../../config/brand.js';
import { email, password } from '../account-bodies.js';
import { HEADERS, jsonResponse, PUBLIC, requires, type RouteSchema } from '../openapi/route-docs.js';
import { jwtErrorEnvelope, jwtResultEnvelope } from './schemas.js';

const linkToken = { type: 'string', minLength: 1, maxLength: 200, description: 'The `token` parameter of the emailed link.' } as const;
const returnTo = {
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  description: 'Where the hosted page sends the user after the emailed link; honoured only when RETURN_TO_ORIGINS allows it (else `invalid_input`).',
} as const;

const locale = { type: 'string', enum: [...LANGUAGES], description: 'The language of the account\'s emails. Unset at sign-up: the request\'s Accept-Language, else DEFAULT_LANGUAGE.' } as const;

const strict = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required, properties }) as const;

export const signupBody = strict(['email'], { email, promo: { type: 'string', minLength: 1, maxLength: 64 }, returnTo, locale });
export const localeBody = strict(['locale'], { locale });
export const confirmBody = strict(['token', 'password'], { token: linkToken, password });
export const resendBody = strict(['email'], { email, returnTo });
export const resetRequestBody = strict(['identifier'], { identifier: { type: 'string', minLength: 1, maxLength: 320 }, returnTo });
export const resetCompleteBody = strict(['token', 'password'], { token: linkToken, password });
export const changePasswordBody = strict(['currentPassword', 'password'], { currentPassword: password, password });
export const changeEmailBody = strict(['currentPassword', 'email'], { currentPassword: password, email, returnTo });
export const deleteBody = strict(['currentPassword'], { currentPassword: password });
export const tokenBody = strict(['token'], { token: linkToken });

export interface SignupBody {
  email: string;
  promo?: string;
  returnTo?: string;
  locale?: string;
}
export interface LocaleBody {
  locale: string;
}
export interface LinkPasswordBody {
  token: string;
  password: string;
}
export interface ResendBody {
  email: string;
  returnTo?: string;
}
export interface ResetRequestBody {
  identifier: string;
  returnTo?: string;
}
export interface ChangePasswordBody {
  currentPassword: string;
  password: string;
}
export interface ChangeEmailBody {
  currentPassword: string;
  email: string;
  returnTo?: string;
}
export interface TokenBody {
  token: string;
}
export interface DeleteBody {
  currentPassword: string;
}

const emptyResult = { type: 'object', additionalProperties: false, description: 'Always `{}`.' } as const;
const fail = (description: string) => jsonResponse(description, jwtErrorEnvelope);
const done = (description: string) => jsonResponse(description, jwtResultEnvelope(emptyResult));
const throttled = jsonResponse('`throttled`: too many attempts from this address or for this account; wait Retry-After seconds.', jwtErrorEnvelope, { 'Retry-After': HEADERS.retryAfter });
const unavailable = jsonResponse('`busy` or `unavailable` (database unreachable), with Retry-After; `internal_error` (500) for a bug.', jwtErrorEnvelope, {
  'Retry-After': HEADERS.retryAfter,
});
const badToken = fail('`not_authenticated`: no valid access token (missing, malformed, expired, or its session has ended).');
const badInput = fail('`invalid_input` naming the `field` (missing, not a string, too long, unknown, or a `returnTo` outside RETURN_TO_ORIGINS); `invalid_json`.');
const sameAnswer = 'The answer is the same whether or not an account matches (no enumeration).';

function publicRoute(summary: string, description: string, body: Record<string, unknown>, extra: Record<string, ReturnType<typeof fail>> = {}): RouteSchema {
  return { summary, description, tags: ['jwt'], security: PUBLIC, body, response: { 200: done('Done.'), 400: badInput, ...extra, 429: throttled, '5XX': unavailable } };
}

function signedInRoute(summary: string, description: string, body: Record<string, unknown>, extra: Record<string, ReturnType<typeof fail>> = {}): RouteSchema {
  const wrongPassword = fail('`invalid_credentials` (field `currentPassword`): the current password is wrong (counted like a failed login); or `not_authenticated`.');
  return {
    summary,
    description,
    tags: ['jwt'],
    security: requires('bearerAccess'),
    body,
    response: { 200: done('Done.'), 400: badInput, 401: wrongPassword, ...extra, 429: throttled, '5XX': unavailable },
  };
}

export const signupRoute = publicRoute(
  'Sign up with an email',
  `Creates a pending account and emails a confirmation link (to /confirm, carrying \`returnTo\`); an address already in use gets a notice instead. ${sameAnswer} An unknown or used-up \`promo\` is \`invalid_input\`.`,
  signupBody,
);
export const confirmRoute = publicRoute(
  'Confirm an email and set the password',
  'For apps that render their own set-password screen: consumes the emailed confirmation token, sets the password, verifies the address and activates the account. Log in afterwards for tokens.',
  confirmBody,
  { 401: fail('`invalid_token`: the link is unknown, expired, already used or superseded.') },
);
export const resendRoute = publicRoute('Resend the confirmation email', `Sends a fresh confirmation link (older ones stop working) to a pending account. ${sameAnswer}`, resendBody);
export const resetRequestRoute = publicRoute(
  'Request a password reset',
  `Emails a reset link (to /reset, carrying \`returnTo\`) for a username or email; a pending account gets a confirmation link instead. ${sameAnswer}`,
  resetRequestBody,
);
export const resetCompleteRoute = publicRoute(
  'Complete a password reset',
  'For apps that render their own reset screen: consumes the emailed reset token, sets the new password, ends every session of the account and mails a notice. Log in afterwards for tokens.',
  resetCompleteBody,
  { 401: fail('`invalid_token`: the link is unknown, expired, already used or superseded.') },
);
export const changePasswordRoute = signedInRoute(
  'Change your password',
  'Needs the current password. Every other session and refresh chain ends (this token’s session stays), reset links die, and a notice is mailed.',
  changePasswordBody,
);
export const changeEmailRoute = signedInRoute(
  'Change your email',
  `Needs the current password. The new address gets a link (to /email/confirm); the old one a notice. Nothing changes until the link is used; login by the old email works until then. An address already in use gets the same answer (its owner a notice).`,
  changeEmailBody,
);
export const deleteAccountRoute = signedInRoute(
  'Delete your account',
  'Needs the current password. Deletes the account at once with every session, refresh chain and link; a notice is mailed.',
  deleteBody,
);
export const confirmEmailChangeRoute = publicRoute(
  'Confirm a new email',
  'For apps that render their own screen: consumes the token of the link mailed to the new address. The new address replaces the old one (verified) and logs in from now on; the old one stops, and gets a notice.',
  tokenBody,
  { 401: fail('`invalid_token`: the link is unknown, expired, already used or superseded, or the address was taken meanwhile.') },
);
export const localeRoute = signedInRoute(
  'Choose the language of your emails',
  `Every email to the account from now on (links, notices) is written in \`locale\` (${LANGUAGES.join(', ')}); \`GET /me\` shows it. No password needed.`,
  localeBody,
);
