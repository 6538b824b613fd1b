/**
 * Route schemas of the hosted pages, for the OpenAPI document. Pages answer HTML (described by
 * content type, never serialized by Fastify) and read their forms and `?token=` by hand
 * (form-body.ts, context.ts), answering every bad input with an HTML page; so the inputs are
 * described with `parameters` and `requestBody` (documentation only), which Fastify does not
 * validate. Every form carries a hidden `csrf` field (csrf.ts).
 */
import {
  emptyResponse,
  formBody,
  HEADERS,
  htmlResponse,
  PUBLIC,
  queryParameter,
  requires,
  type ResponseDoc,
  type RouteSchema,
} from '../openapi/route-docs.js';

const csrf = { description: 'The hidden CSRF field of the form (anonymous forms: echoes the form cookie; logged-in forms: the session’s token).' };
const newPassword = { description: 'The new password.' };
const repeat = { description: 'The new password again; must be equal.' };
const linkToken = { description: 'The token of the emailed link (the form carries it on).', maxLength: 200 };
const returnTo = { description: 'The allowed `return_to` the page carried on (hidden field); ignored unless RETURN_TO_ORIGINS allows it.', maxLength: 2048 };
/** Every page takes `?lang=` (docs/branding.md#language). */
export const langParam = queryParameter('lang', 'The page’s language, `en` or `de`, remembered in the `lang` cookie; else Accept-Language, then DEFAULT_LANGUAGE.', { type: 'string', enum: ['en', 'de'] });
const returnToParam = queryParameter('return_to', 'Where to send the user when the flow ends; honoured only when RETURN_TO_ORIGINS allows it (else ignored: /account).', { type: 'string', maxLength: 2048 });
const signedIn = (what: string) =>
  emptyResponse(`${what}; signed in (unless LOGIN_AFTER_LINK=false): go to the allowed return_to, else /account.`, { Location: HEADERS.location, 'Set-Cookie': HEADERS.setSessionCookies });

// Pages answer every refused request with an HTML page (index.ts): 400 for input it cannot use,
// 403 for a failed CSRF check, 413/415 for a body that is not a small form, 429 and 503 with
// Retry-After, 500 for our own failure. Only the statuses a visitor meets on purpose are listed:
// each listed status costs a serializer compilation at start-up, and an HTML string is never serialized.
const formErrors: Record<string, ResponseDoc> = {
  403: htmlResponse('The form expired, lost its CSRF token, or was sent from another site.'),
};

export const signupPageRoute: RouteSchema = {
  summary: 'Sign-up page',
  description: 'A form asking for an email address.',
  tags: ['pages'],
  security: PUBLIC,
  parameters: [returnToParam, langParam],
  response: { 200: htmlResponse('The sign-up form.', { 'Set-Cookie': HEADERS.setFormCookie }) },
};

export const signupFormRoute: RouteSchema = {
  summary: 'Sign up by email',
  description: 'Emails a confirmation link; the same page whether or not the address already has an account (its owner then gets a notice).',
  tags: ['pages'],
  security: PUBLIC,
  requestBody: formBody('The sign-up form.', { csrf, email: { description: 'The email address.', maxLength: 320 }, return_to: returnTo }, ['csrf', 'email']),
  response: { 200: htmlResponse('“Check your email”.'), 400: htmlResponse('Not a valid email address: the form again.'), ...formErrors },
};

export const confirmPageRoute: RouteSchema = {
  summary: 'Confirmation link: choose a password',
  description: 'The landing page of the confirmation email. A usable link shows the choose-a-password form; a used, expired or bad one a page asking for a new link.',
  tags: ['pages'],
  security: PUBLIC,
  parameters: [queryParameter('token', 'The link’s token (at most 200 characters).', { type: 'string', maxLength: 200 }, { required: true }), returnToParam, langParam],
  response: {
    200: htmlResponse('The choose-a-password form.', { 'Set-Cookie': HEADERS.setFormCookie }),
    400: htmlResponse('The link cannot be used: a form asking for a new one.', { 'Set-Cookie': HEADERS.setFormCookie }),
  },
};

export const confirmFormRoute: RouteSchema = {
  summary: 'Set the first password and activate the account',
  tags: ['pages'],
  security: PUBLIC,
  requestBody: formBody('The choose-a-password form.', { csrf, token: linkToken, password: newPassword, password_confirm: repeat, return_to: returnTo }, [
    'csrf',
    'token',
    'password',
    'password_confirm',
  ]),
  response: {
    200: htmlResponse('“Your account is ready” (LOGIN_AFTER_LINK=false).'),
    303: signedIn('The account is active'),
    400: htmlResponse('The passwords differ or the password is refused (the form again, with the reason), or the link cannot be used.'),
    ...formErrors,
  },
};

export const confirmResendRoute: RouteSchema = {
  summary: 'Ask for a new confirmation link',
  description: 'The same answer for any address.',
  tags: ['pages'],
  security: PUBLIC,
  requestBody: formBody('The new-link form.', { csrf, email: { description: 'The email address.', maxLength: 320 }, return_to: returnTo }, ['csrf', 'email']),
  response: { 200: htmlResponse('“Check your email”.'), ...formErrors },
};

export const loginPageRoute: RouteSchema = {
  summary: 'Login page',
  tags: ['pages'],
  security: PUBLIC,
  description: 'Shown to anyone, a signed-in visitor too (logging in again replaces the session).',
  parameters: [returnToParam, langParam, queryParameter('reauth', '`1`: an app asked for a fresh sign-in (OpenID Connect `prompt=login` or `max_age`); the page says so. It changes nothing else.', { type: 'string', enum: ['1'] })],
  response: { 200: htmlResponse('The login form.', { 'Set-Cookie': HEADERS.setFormCookie }) },
};

export const loginFormRoute: RouteSchema = {
  summary: 'Log in with a password',
  description: 'Sets the same cookies as the cookie-session API and goes to the allowed `return_to`, else /account.',
  tags: ['pages'],
  security: PUBLIC,
  requestBody: formBody(
    'The login form.',
    { csrf, username: { description: 'A username or an email address.', maxLength: 320 }, password: { description: 'The password.' }, return_to: returnTo },
    ['csrf', 'username', 'password'],
  ),
  response: {
    303: emptyResponse('Logged in: go to the allowed return_to, else /account.', { Location: HEADERS.location, 'Set-Cookie': HEADERS.setSessionCookies }),
    401: htmlResponse('Invalid username or password (one answer for every cause): the form again.'),
    ...formErrors,
  },
};

export const logoutFormRoute: RouteSchema = {
  summary: 'Log out',
  description: 'Ends the session (its CSRF token in the form is required, else 403) and clears the cookies; without a live session it only clears them. A cross-site post is refused (403) with or without cookies.',
  tags: ['pages'],
  security: [{ sessionCookie: [] }, {}],
  requestBody: formBody('The logout button’s form.', { csrf }, ['csrf']),
  response: { 303: emptyResponse('Logged out: go to /login.', { Location: HEADERS.location, 'Set-Cookie': HEADERS.clearSessionCookies }), ...formErrors },
};

/** The statuses every form of a signed-in visitor may answer besides its own. */
export const sessionFormErrors: Record<string, ResponseDoc> = {
  303: emptyResponse('Not logged in: go to /login.', { Location: HEADERS.location }),
  403: htmlResponse('The form expired, lost its CSRF token, or was sent from another site.'),
  '4XX': htmlResponse('Any other refused form (400 unreadable, 413 too large, 415 not a form): an HTML page saying so.'),
  '5XX': htmlResponse('Busy or unavailable (503, with Retry-After), or our own failure (500): an HTML page saying so.'),
};
export const csrfDoc = { description: 'The session’s CSRF token (hidden field).' };

export const accountPageRoute: RouteSchema = {
  summary: 'Account page',
  description: 'Username and email (never the account id), the change-password and change-email forms, the second factor, app passwords, the sessions, the logout button.',
  tags: ['pages'],
  security: requires('sessionCookie'),
  parameters: [langParam],
  response: {
    200: htmlResponse('The account page.'),
    303: emptyResponse('Not logged in: go to /login.', { Location: HEADERS.location }),
  },
};

export const changePasswordFormRoute: RouteSchema = {
  summary: 'Change the password',
  description: 'Needs the current password; keeps this session and ends every other one.',
  tags: ['pages'],
  security: requires('sessionCookie'),
  requestBody: formBody(
    'The change-password form.',
    { csrf, current_password: { description: 'The current password.' }, password: newPassword, password_confirm: repeat },
    ['csrf', 'current_password', 'password', 'password_confirm'],
  ),
  response: {
    200: htmlResponse('The account page saying the password has changed.'),
    303: emptyResponse('Not logged in: go to /login.', { Location: HEADERS.location }),
    400: htmlResponse('Wrong current password, passwords differ, or the new one is refused: the account page with the reason.'),
    ...formErrors,
  },
};

export const resetPageRoute: RouteSchema = {
  summary: 'Password reset page',
  description: 'Without `token`: a form asking for the username or email. With the token of the emailed link: the choose-a-new-password form.',
  tags: ['pages'],
  security: PUBLIC,
  parameters: [queryParameter('token', 'The reset link’s token (at most 200 characters).', { type: 'string', maxLength: 200 }), returnToParam, langParam],
  response: {
    200: htmlResponse('The request form, or the new-password form.', { 'Set-Cookie': HEADERS.setFormCookie }),
    400: htmlResponse('The link cannot be used: the request form, saying so.', { 'Set-Cookie': HEADERS.setFormCookie }),
  },
};

export const resetRequestFormRoute: RouteSchema = {
  summary: 'Ask for a password reset link',
  description: 'The same answer for any input.',
  tags: ['pages'],
  security: PUBLIC,
  requestBody: formBody('The reset request form.', { csrf, identifier: { description: 'A username or an email address.', maxLength: 320 }, return_to: returnTo }, ['csrf', 'identifier']),
  response: { 200: htmlResponse('“Check your email”.'), ...formErrors },
};

export const resetCompleteFormRoute: RouteSchema = {
  summary: 'Set a new password from a reset link',
  description: 'Sets the password and ends every session of the account, then signs in anew.',
  tags: ['pages'],
  security: PUBLIC,
  requestBody: formBody('The new-password form.', { csrf, token: linkToken, password: newPassword, password_confirm: repeat, return_to: returnTo }, [
    'csrf',
    'token',
    'password',
    'password_confirm',
  ]),
  response: {
    200: htmlResponse('“Password changed” (LOGIN_AFTER_LINK=false).'),
    303: signedIn('The password is set'),
    400: htmlResponse('The passwords differ or the password is refused (the form again, with the reason), or the link cannot be used.'),
    ...formErrors,
  },
};
