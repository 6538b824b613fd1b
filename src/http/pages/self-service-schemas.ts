/** Route schemas of the self-service pages (self-service.ts), for the OpenAPI document; see schemas.ts for the conventions. */
import { emptyResponse, formBody, HEADERS, htmlResponse, PUBLIC, queryParameter, requires, type RouteSchema } from '../openapi/route-docs.js';
import { langParam } from './schemas.js';

const csrf = { description: 'The hidden CSRF field of the form.' };
const currentPassword = { description: 'The current password.' };
const notLoggedIn = emptyResponse('Not logged in: go to /login.', { Location: HEADERS.location });
const refused = htmlResponse('The form expired, lost its CSRF token, or was sent from another site.');

export const changeEmailFormRoute: RouteSchema = {
  summary: 'Change the email',
  description: 'Needs the current password. The new address gets a link, the old one a notice; nothing changes until the link is used. The same answer for an address already in use.',
  tags: ['pages'],
  security: requires('sessionCookie'),
  requestBody: formBody('The change-email form.', { csrf, current_password: currentPassword, email: { description: 'The new email address.', maxLength: 320 } }, [
    'csrf',
    'current_password',
    'email',
  ]),
  response: { 200: htmlResponse('“Check your new inbox”.'), 303: notLoggedIn, 400: htmlResponse('Wrong current password or not an email address: the account page, the field marked.'), 403: refused },
};

export const emailConfirmPageRoute: RouteSchema = {
  summary: 'Email-change link',
  description: 'The landing page of the link mailed to the new address: a button that makes the change (a GET changes nothing, so a mail scanner opening the link cannot).',
  tags: ['pages'],
  security: PUBLIC,
  parameters: [
    queryParameter('token', 'The link’s token (at most 200 characters).', { type: 'string', maxLength: 200 }, { required: true }),
    queryParameter('return_to', 'Offered as a link back once the change is made, when RETURN_TO_ORIGINS allows it.', { type: 'string', maxLength: 2048 }),
    langParam,
  ],
  response: {
    200: htmlResponse('The confirm button.', { 'Set-Cookie': HEADERS.setFormCookie }),
    400: htmlResponse('The link cannot be used (unknown, expired, used, superseded).'),
  },
};

export const emailConfirmFormRoute: RouteSchema = {
  summary: 'Use the new email',
  description: 'Consumes the link: the new address replaces the old one (verified) and logs in from now on; the old one gets a notice.',
  tags: ['pages'],
  security: PUBLIC,
  requestBody: formBody('The confirm button’s form.', { csrf, token: { description: 'The link’s token.', maxLength: 200 }, return_to: { description: 'The allowed return_to the link carried.', maxLength: 2048 } }, ['csrf', 'token']),
  response: { 200: htmlResponse('“Your email address has changed”.'), 400: htmlResponse('The link cannot be used.'), 403: refused },
};

export const deletePageRoute: RouteSchema = {
  summary: 'Delete-account page',
  description: 'The confirmation step: what deleting means, and a form asking for the current password and a ticked box.',
  tags: ['pages'],
  security: requires('sessionCookie'),
  parameters: [langParam],
  response: { 200: htmlResponse('The confirmation form.'), 303: notLoggedIn },
};

export const deleteFormRoute: RouteSchema = {
  summary: 'Delete the account',
  description: 'Needs the current password and the confirmation box ticked. Deletes the account with every session and link, mails a notice and clears the cookies.',
  tags: ['pages'],
  security: requires('sessionCookie'),
  requestBody: formBody(
    'The confirmation form.',
    { csrf, current_password: currentPassword, confirm: { description: '`yes`: the confirmation box, ticked.', maxLength: 3 } },
    ['csrf', 'current_password', 'confirm'],
  ),
  response: {
    200: htmlResponse('“Your account has been deleted”.', { 'Set-Cookie': HEADERS.clearSessionCookies }),
    303: notLoggedIn,
    400: htmlResponse('Wrong current password, or the box not ticked: the confirmation form again, the field marked.'),
    403: refused,
  },
};

export const resendPageRoute: RouteSchema = {
  summary: 'Resend-confirmation page',
  description: 'A form asking for the address of an account waiting for confirmation (posts to /confirm/resend).',
  tags: ['pages'],
  security: PUBLIC,
  parameters: [queryParameter('return_to', 'Kept on the new link when RETURN_TO_ORIGINS allows it.', { type: 'string', maxLength: 2048 }), langParam],
  response: { 200: htmlResponse('The form.', { 'Set-Cookie': HEADERS.setFormCookie }) },
};
