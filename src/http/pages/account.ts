/**
 * /account: who am I (username, email, uuid), the change-password form, the second factor
 * (second-factor.ts), the logout button, and where I am logged in: every live session (this
 * device marked) with a form to end it, and one to end every other. Every form carries the session's CSRF token. A password change needs the
 * current password; the core keeps this session and revokes every other one. A session's user
 * agent and address are whatever its client sent: they reach the page only through the
 * escaping `html` template. Ending this device's own session logs out (cookies cleared).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import type { SecondFactorStatus } from '../../core/mfa/enrol.js';
import type { AppPassword } from '../../core/mfa/ports.js';
import type { OwnSession } from '../../core/accounts-service.js';
import { clearSessionCookies } from '../cookies.js';
import { clientContext } from '../credentials.js';
import { assertSessionCsrf } from '../csrf.js';
import { emptyResponse, formBody, HEADERS, htmlResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { currentVisitor, type PagesDeps, type Visitor } from './context.js';
import { formField } from './form-body.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, page, passwordInput, sendPage, sentence, type Notice } from './layout.js';
import { enrolPage } from './require-mfa.js';
import { accountPageRoute, changePasswordFormRoute } from './schemas.js';
import { registerSecondFactorPages, secondFactorSection } from './second-factor.js';
import { appPasswordsSection } from './app-passwords.js';
import { passkeysSection, registerPasskeyPages } from './passkeys.js';
import type { Passkey } from '../../core/passkeys/ports.js';

const sessionFormErrors = {
  303: emptyResponse('Not logged in: go to /login.', { Location: HEADERS.location }),
  403: htmlResponse('The form expired, lost its CSRF token, or was sent from another site.'),
  '4XX': htmlResponse('Any other refused form (400 unreadable, 413 too large, 415 not a form): an HTML page saying so.'),
  '5XX': htmlResponse('Busy or unavailable (503, with Retry-After), or our own failure (500): an HTML page saying so.'),
};
const csrfDoc = { description: 'The session’s CSRF token (hidden field).' };

export const endSessionFormRoute: RouteSchema = {
  summary: 'End one of your sessions',
  description:
    'Ends the session (and its refresh chain) the form names. Ending this device’s own session logs out: the cookies are cleared and the browser goes to /login.',
  tags: ['pages'],
  security: requires('sessionCookie'),
  requestBody: formBody('A session’s “Log out” button.', { csrf: csrfDoc, session: { description: 'The session’s id, from the list.', maxLength: 100 } }, ['csrf', 'session']),
  response: {
    200: htmlResponse('The account page saying the session has ended.'),
    ...sessionFormErrors,
    303: emptyResponse('This device’s own session ended, or not logged in: go to /login.', { Location: HEADERS.location, 'Set-Cookie': HEADERS.clearSessionCookies }),
    400: htmlResponse('No live session of yours has this id (it may have ended already): the account page saying so.'),
  },
};

export const endOtherSessionsFormRoute: RouteSchema = {
  summary: 'Log out everywhere else',
  description: 'Ends every session of the account except this device’s.',
  tags: ['pages'],
  security: requires('sessionCookie'),
  requestBody: formBody('The “Log out everywhere else” button.', { csrf: csrfDoc }, ['csrf']),
  response: { 200: htmlResponse('The account page saying how many sessions ended.'), ...sessionFormErrors },
};

/** A time as `2026-11-22 05:00 UTC` (the page has no script to show local time). */
function when(ms: number): SafeHtml {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

function sessionItem(session: OwnSession, csrfToken: string): SafeHtml {
  const label = session.current ? 'This device' : session.kind === 'cookie' ? 'Browser' : 'App (API tokens)';
  return html`<li><strong>${label}</strong>
<dl><dt>Device</dt><dd>${session.userAgent ?? 'unknown'}</dd><dt>Address</dt><dd>${session.ip ?? 'unknown'}</dd><dt>Logged in</dt><dd>${when(session.createdAt)}</dd><dt>Last seen</dt><dd>${when(session.lastSeenAt)}</dd></dl>
<form method="post" action="/account/sessions/end">${csrfField(csrfToken)}<input type="hidden" name="session" value="${session.id}"><button type="submit">${session.current ? 'Log out' : 'Log out this session'}</button></form></li>`;
}

function sessionsSection(sessions: OwnSession[], csrfToken: string): SafeHtml {
  const others = sessions.some((s) => !s.current);
  return html`<section><h2>Where you are logged in</h2>
<ul>${sessions.map((s) => sessionItem(s, csrfToken))}</ul>
${others ? html`<form method="post" action="/account/sessions/end-others">${csrfField(csrfToken)}<button type="submit">Log out everywhere else</button></form>` : html`<p>You are not logged in anywhere else.</p>`}</section>`;
}

function accountPage(visitor: Visitor, sessions: OwnSession[], factor: SecondFactorStatus, appPasswords: AppPassword[], passkeys: Passkey[], notice?: Notice) {
  const { account } = visitor;
  return page(
    'Your account',
    html`<dl><dt>Username</dt><dd>${account.username ?? '—'}</dd><dt>Email</dt><dd>${account.email ?? '—'}</dd><dt>UUID</dt><dd>${account.id}</dd></dl>
<section><h2>Change password</h2><form method="post" action="/account/password">${csrfField(visitor.csrfToken)}
${passwordInput('current_password', 'Current password', 'current-password')}
${passwordInput('password', 'New password', 'new-password')}
${passwordInput('password_confirm', 'Repeat the new password', 'new-password')}
<button type="submit">Change password</button></form></section>
<section><h2>Change email</h2><form method="post" action="/account/email">${csrfField(visitor.csrfToken)}
<label for="email_current_password">Current password</label><input id="email_current_password" name="current_password" type="password" required autocomplete="current-password" maxlength="1023">
<label for="new_email">New email address</label><input id="new_email" name="email" type="email" required autocomplete="email" maxlength="320">
<button type="submit">Send a link to the new address</button></form></section>
${secondFactorSection(factor, visitor.csrfToken)}
${passkeysSection(passkeys, visitor.csrfToken, factor)}
${appPasswordsSection(appPasswords, visitor.csrfToken, factor.totp || factor.passkeys > 0)}
<section><form method="post" action="/logout">${csrfField(visitor.csrfToken)}<button type="submit">Log out</button></form></section>
${sessionsSection(sessions, visitor.csrfToken)}
<section><h2>Delete account</h2><p><a href="/account/delete">Delete your account…</a></p></section>`,
    notice,
  );
}

/** Sends the account page with the visitor's sessions as they are now. */
async function showAccount(deps: PagesDeps, reply: FastifyReply, status: number, visitor: Visitor, notice?: Notice): Promise<FastifyReply> {
  const sessions = await deps.service.listSessions(visitor.account.id, visitor.session.id);
  const factor = await deps.service.secondFactor.status(visitor.account.id);
  const appPasswords = await deps.service.secondFactor.listAppPasswords(visitor.account.id);
  const passkeys = await deps.service.secondFactor.passkeys.list(visitor.account.id);
  if (await deps.service.secondFactor.mustEnrol(visitor.account.id)) return sendPage(reply, status, enrolPage(visitor, factor, passkeys, notice));
  return sendPage(reply, status, accountPage(visitor, sessions, factor, appPasswords, passkeys, notice));
}

/** Registers GET /account, POST /account/password, POST /account/sessions/end and POST /account/sessions/end-others. */
export function registerAccountPages(app: FastifyInstance, deps: PagesDeps): void {
  registerPasskeyPages(app, registerSecondFactorPages(app, deps, (reply, status, visitor, notice) => showAccount(deps, reply, status, visitor, notice)));

  app.get('/account', { schema: accountPageRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    return showAccount(deps, reply, 200, visitor);
  });

  app.post('/account/password', { schema: changePasswordFormRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    const password = formField(req, 'password');
    if (password !== formField(req, 'password_confirm')) {
      return showAccount(deps, reply, 400, visitor, { kind: 'error', text: 'The two new passwords are not the same.' });
    }
    try {
      await deps.service.changePassword(visitor.account.id, password, {
        currentPassword: formField(req, 'current_password'),
        keepSessionId: visitor.session.id,
      }, clientContext(req));
    } catch (err) {
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return showAccount(deps, reply, 400, visitor, { kind: 'error', text: 'Your current password is not correct.' });
      if (isAuthError(err, 'WEAK_PASSWORD') || isAuthError(err, 'INVALID_INPUT')) return showAccount(deps, reply, 400, visitor, { kind: 'error', text: sentence(err.message) });
      throw err;
    }
    return showAccount(deps, reply, 200, visitor, { kind: 'ok', text: 'Your password has been changed. Your other sessions were logged out.' });
  });

  app.post('/account/sessions/end', { schema: endSessionFormRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    let ended: { current: boolean };
    try {
      ended = await deps.service.revokeSession(visitor.account.id, formField(req, 'session', 100), { currentSessionId: visitor.session.id }, clientContext(req));
    } catch (err) {
      if (isAuthError(err, 'NOT_FOUND')) return showAccount(deps, reply, 400, visitor, { kind: 'error', text: 'That session was not found. It may have ended already.' });
      throw err;
    }
    if (ended.current) {
      clearSessionCookies(reply, deps.settings);
      return reply.redirect('/login', 303);
    }
    return showAccount(deps, reply, 200, visitor, { kind: 'ok', text: 'That session has been logged out.' });
  });

  app.post('/account/sessions/end-others', { schema: endOtherSessionsFormRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    const { revoked } = await deps.service.revokeOtherSessions(visitor.account.id, visitor.session.id, clientContext(req));
    const text = revoked === 1 ? 'One other session has been logged out.' : `${revoked} other sessions have been logged out.`;
    return showAccount(deps, reply, 200, visitor, { kind: 'ok', text });
  });
}
