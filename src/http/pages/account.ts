/**
 * /account: who am I (username, email, uuid), the change-password form and the logout button.
 * Every form carries the session's CSRF token. A password change needs the current password;
 * the core keeps this session and revokes every other one.
 */
import type { FastifyInstance } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { assertSessionCsrf } from '../csrf.js';
import { currentVisitor, type PagesContext, type Visitor } from './context.js';
import { formField } from './form-body.js';
import { html } from './html.js';
import { csrfField, page, passwordInput, sendPage, sentence, type Notice } from './layout.js';

function accountPage(visitor: Visitor, notice?: Notice) {
  const { account } = visitor;
  return page(
    'Your account',
    html`<dl><dt>Username</dt><dd>${account.username ?? '—'}</dd><dt>Email</dt><dd>${account.email ?? '—'}</dd><dt>UUID</dt><dd>${account.id}</dd></dl>
<section><h2>Change password</h2><form method="post" action="/account/password">${csrfField(visitor.csrfToken)}
${passwordInput('current_password', 'Current password', 'current-password')}
${passwordInput('password', 'New password', 'new-password')}
${passwordInput('password_confirm', 'Repeat the new password', 'new-password')}
<button type="submit">Change password</button></form></section>
<section><form method="post" action="/logout">${csrfField(visitor.csrfToken)}<button type="submit">Log out</button></form></section>`,
    notice,
  );
}

/** Registers GET /account and POST /account/password. */
export function registerAccountPages(app: FastifyInstance, ctx: PagesContext): void {
  app.get('/account', async (req, reply) => {
    const visitor = await currentVisitor(ctx, req);
    if (visitor === null) return reply.redirect('/login', 303);
    return sendPage(reply, 200, accountPage(visitor));
  });

  app.post('/account/password', async (req, reply) => {
    const visitor = await currentVisitor(ctx, req);
    if (visitor === null) return reply.redirect('/login', 303);
    assertSessionCsrf(req, { service: ctx.service, settings: ctx.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    const password = formField(req, 'password');
    if (password !== formField(req, 'password_confirm')) {
      return sendPage(reply, 400, accountPage(visitor, { kind: 'error', text: 'The two new passwords are not the same.' }));
    }
    try {
      await ctx.service.changePassword(visitor.account.id, password, {
        currentPassword: formField(req, 'current_password'),
        keepSessionId: visitor.session.id,
      });
    } catch (err) {
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return sendPage(reply, 400, accountPage(visitor, { kind: 'error', text: 'Your current password is not correct.' }));
      if (isAuthError(err, 'WEAK_PASSWORD') || isAuthError(err, 'INVALID_INPUT')) return sendPage(reply, 400, accountPage(visitor, { kind: 'error', text: sentence(err.message) }));
      throw err;
    }
    return sendPage(reply, 200, accountPage(visitor, { kind: 'ok', text: 'Your password has been changed. Your other sessions were logged out.' }));
  });
}
