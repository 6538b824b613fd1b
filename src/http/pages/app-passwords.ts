/**
 * App passwords on /account (docs/security.md, "Second factor"): the list (name, created, last
 * use; never a secret), a form to make one (name, the password, and a code when a factor is on)
 * whose answer shows the secret once, and a revoke form per app password (password and code).
 * The rules are the core's (src/core/mfa/app-passwords.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppPassword } from '../../core/mfa/ports.js';
import { clientContext } from '../credentials.js';
import { formBody, htmlResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import type { Visitor } from './context.js';
import { formField } from './form-body.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, page, sendPage } from './layout.js';
import type { FactorForms } from './factor-forms.js';

const fields = {
  csrf: { description: 'The session’s CSRF token (hidden field).' },
  ap_password: { description: 'The current password.' },
  code: { description: 'A code of the second factor, when one is on.', maxLength: 64 },
};
const answers = { 200: htmlResponse('The new app password (shown once), or the account page saying it was revoked.'), 400: htmlResponse('A wrong password or code, or a bad name: the account page saying so.') };

export const createAppPasswordFormRoute: RouteSchema = {
  summary: 'Make an app password',
  description: 'For an HTTP Basic client of an account with a second factor; its secret is shown once.',
  tags: ['pages'],
  security: requires('sessionCookie'),
  requestBody: formBody('The app-password form.', { ...fields, name: { description: 'What it is for.', maxLength: 100 } }, ['csrf', 'ap_password', 'name']),
  response: answers,
};

export const revokeAppPasswordFormRoute: RouteSchema = {
  summary: 'Revoke an app password',
  tags: ['pages'],
  security: requires('sessionCookie'),
  requestBody: formBody('An app password’s revoke form.', { ...fields, id: { description: 'The app password’s id.', maxLength: 100 } }, ['csrf', 'ap_password', 'id']),
  response: answers,
};

/** The app-passwords section of the account page; `withCode`: a factor is on, so forms ask for a code. */
export function appPasswordsSection(list: AppPassword[], csrfToken: string, withCode: boolean): SafeHtml {
  const proof = (prefix: string) =>
    html`<label for="${prefix}_password">Current password</label><input id="${prefix}_password" name="ap_password" type="password" required autocomplete="current-password" maxlength="1023">${withCode ? html`<label for="${prefix}_code">Code</label><input id="${prefix}_code" name="code" required autocomplete="one-time-code" maxlength="64">` : ''}`;
  const items = list.map(
    (p) => html`<li><strong>${p.name}</strong> · made ${new Date(p.createdAt).toISOString().slice(0, 10)} · ${p.lastUsedAt === null ? 'never used' : `last used ${new Date(p.lastUsedAt).toISOString().slice(0, 10)}`}
<form method="post" action="/account/app-passwords/revoke">${csrfField(csrfToken)}<input type="hidden" name="id" value="${p.id}">${proof(`ap_${p.id}`)}<button type="submit">Revoke</button></form></li>`,
  );
  return html`<section><h2>App passwords</h2><p>For apps that sign in with HTTP Basic and cannot ask for a code. An app password only checks who you are.</p>
${list.length > 0 ? html`<ul>${items}</ul>` : html`<p>None.</p>`}
<form method="post" action="/account/app-passwords">${csrfField(csrfToken)}<label for="ap_name">Name</label><input id="ap_name" name="name" required maxlength="100">${proof('ap_new')}<button type="submit">Make an app password</button></form></section>`;
}

function newAppPasswordPage(name: string, secret: string): SafeHtml {
  return page(
    'Your new app password',
    html`<p>Give this password to <strong>${name}</strong> in place of your account password. It is shown only now.</p><p><code>${secret}</code></p><nav><a href="/account">Back to your account</a></nav>`,
    { kind: 'ok', text: 'The app password is ready.' },
  );
}

/** Registers POST /account/app-passwords and /account/app-passwords/revoke through the account page's form helpers. */
export function registerAppPasswordPages(app: FastifyInstance, forms: FactorForms): void {
  const { deps, formVisitor, attempt, show } = forms;
  const mfa = deps.service.secondFactor;
  const proof = (req: Parameters<typeof formField>[0]) => {
    const code = formField(req, 'code', 64);
    return { password: formField(req, 'ap_password'), ...(code ? { code } : {}) };
  };

  app.post('/account/app-passwords', { schema: createAppPasswordFormRoute }, async (req, reply): Promise<FastifyReply> => {
    const visitor: Visitor | null = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(reply, visitor, async () => {
      const made = await mfa.createAppPassword(visitor.account.id, formField(req, 'name', 100), proof(req), clientContext(req));
      return sendPage(reply, 200, newAppPasswordPage(made.appPassword.name, made.password));
    });
  });

  app.post('/account/app-passwords/revoke', { schema: revokeAppPasswordFormRoute }, async (req, reply): Promise<FastifyReply> => {
    const visitor: Visitor | null = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(reply, visitor, async () => {
      await mfa.revokeAppPassword(visitor.account.id, formField(req, 'id', 100), proof(req), clientContext(req));
      return show(reply, 200, visitor, { kind: 'ok', text: 'The app password was revoked.' });
    });
  });
}
