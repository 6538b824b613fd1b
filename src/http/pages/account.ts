/**
 * /account: who am I (username and email; never the account's id), the change-password form, the second factor
 * (second-factor.ts), passkeys (passkeys.ts), the logout button, and where I am logged in: every live session (this
 * device marked) with a form to end it, and one to end every other. Every form carries the session's CSRF token. A password change needs the
 * current password; the core keeps this session and revokes every other one. A session's user
 * agent and address are whatever its client sent: they reach the page only through the
 * escaping templates. Ending this device's own session logs out (cookies cleared).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { deviceName, relativeTime, utcTime, type Language } from '../../ui/index.js';
import { clearSessionCookies } from '../cookies.js';
import { clientContext } from '../credentials.js';
import { assertSessionCsrf } from '../csrf.js';
import { emptyResponse, formBody, HEADERS, htmlResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { currentVisitor, view, type PagesDeps, type Visitor } from './context.js';
import { formField } from './form-body.js';
import { problemText } from './messages.js';
import { registerPasskeyPages } from './passkeys.js';
import { accountPageRoute, changePasswordFormRoute, csrfDoc, sessionFormErrors } from './schemas.js';
import { languageChoices, registerAccountLanguagePage } from './account-language.js';
import { registerSecondFactorPages } from './second-factor.js';
import type { AccountOutcome } from './factor-forms.js';


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

/** A time for a page: relative in the page's language, the exact UTC time in a `title`. */
function when(at: number, now: number, lang: Language) {
  return { iso: new Date(at).toISOString(), utc: utcTime(at), text: relativeTime(at, now, lang) };
}

/** Sends the account page with the visitor's sessions, factors and app passwords as they are now; the enrolment page instead when REQUIRE_MFA holds the account to enrolling (require-mfa.ts). */
export async function showAccount(deps: PagesDeps, req: FastifyRequest, reply: FastifyReply, status: number, visitor: Visitor, outcome: AccountOutcome = {}): Promise<FastifyReply> {
  const factor = await deps.service.secondFactor.status(visitor.account.id);
  const page = view(deps, req, reply);
  const date = (at: number) => new Intl.DateTimeFormat(page.lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(at);
  const passkeys = (await deps.service.secondFactor.passkeys.list(visitor.account.id)).map((p) => ({ id: p.id, name: p.name, added: date(p.createdAt), lastUsed: p.lastUsedAt === null ? null : date(p.lastUsedAt), backedUp: p.backedUp }));
  if (await deps.service.secondFactor.mustEnrol(visitor.account.id)) {
    return page.send(status, 'enrol', { ...outcome, notice: outcome.notice ?? (outcome.errors ? undefined : { kind: 'error', text: page.t('enrol.required') }), csrf: visitor.csrfToken, factor, passkeys });
  }
  const sessions = await deps.service.listSessions(visitor.account.id, visitor.session.id);
  const appPasswords = await deps.service.secondFactor.listAppPasswords(visitor.account.id);
  const now = deps.now();
  return page.send(status, 'account', {
    ...outcome,
    csrf: visitor.csrfToken,
    account: { username: visitor.account.username, email: visitor.account.email },
    sessions: sessions.map((s) => ({
      id: s.id,
      current: s.current,
      kind: s.kind,
      ip: s.ip,
      userAgent: s.userAgent ?? '',
      device: deviceName(s.userAgent, page.t),
      createdAt: when(s.createdAt, now, page.lang),
      lastSeenAt: when(s.lastSeenAt, now, page.lang),
    })),
    others: sessions.some((s) => !s.current),
    factor,
    passkeys,
    languageChoices: languageChoices(deps, visitor, page.t),
    appPasswords: appPasswords.map((p) => ({ id: p.id, name: p.name, made: date(p.createdAt), lastUsed: p.lastUsedAt === null ? null : date(p.lastUsedAt) })),
  });
}

/** Registers GET /account, POST /account/password, /account/language, /account/sessions/end and /account/sessions/end-others. */
export function registerAccountPages(app: FastifyInstance, deps: PagesDeps): void {
  const show = (req: FastifyRequest, reply: FastifyReply, status: number, visitor: Visitor, outcome?: AccountOutcome): Promise<FastifyReply> => showAccount(deps, req, reply, status, visitor, outcome);
  registerPasskeyPages(app, registerSecondFactorPages(app, deps, show));
  registerAccountLanguagePage(app, deps, show);

  app.get('/account', { schema: accountPageRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    return showAccount(deps, req, reply, 200, visitor);
  });

  app.post('/account/password', { schema: changePasswordFormRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    const password = formField(req, 'password');
    const { t } = view(deps, req, reply);
    if (password !== formField(req, 'password_confirm')) {
      return showAccount(deps, req, reply, 400, visitor, { errors: { password_confirm: t('password.mismatch_new') } });
    }
    try {
      await deps.service.changePassword(visitor.account.id, password, {
        currentPassword: formField(req, 'current_password'),
        keepSessionId: visitor.session.id,
      }, clientContext(req));
    } catch (err) {
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return showAccount(deps, req, reply, 400, visitor, { errors: { current_password: t('password.wrong_current') } });
      if (isAuthError(err, 'WEAK_PASSWORD') || isAuthError(err, 'INVALID_INPUT')) return showAccount(deps, req, reply, 400, visitor, { errors: { password: problemText(err, t) } });
      throw err;
    }
    return showAccount(deps, req, reply, 200, visitor, { notice: { kind: 'ok', text: t('account.password_changed') } });
  });

  app.post('/account/sessions/end', { schema: endSessionFormRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    let ended: { current: boolean };
    try {
      ended = await deps.service.revokeSession(visitor.account.id, formField(req, 'session', 100), { currentSessionId: visitor.session.id }, clientContext(req));
    } catch (err) {
      if (isAuthError(err, 'NOT_FOUND')) return showAccount(deps, req, reply, 400, visitor, { notice: { kind: 'error', text: view(deps, req, reply).t('sessions.not_found') } });
      throw err;
    }
    if (ended.current) {
      clearSessionCookies(reply, deps.settings);
      return reply.redirect('/login', 303);
    }
    return showAccount(deps, req, reply, 200, visitor, { notice: { kind: 'ok', text: view(deps, req, reply).t('sessions.ended') } });
  });

  app.post('/account/sessions/end-others', { schema: endOtherSessionsFormRoute }, async (req, reply) => {
    const visitor = await currentVisitor(deps, req);
    if (visitor === null) return reply.redirect('/login', 303);
    assertSessionCsrf(req, { service: deps.service, settings: deps.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    const { revoked } = await deps.service.revokeOtherSessions(visitor.account.id, visitor.session.id, clientContext(req));
    const text = view(deps, req, reply).t('sessions.others_ended', { count: revoked });
    return showAccount(deps, req, reply, 200, visitor, { notice: { kind: 'ok', text } });
  });
}
