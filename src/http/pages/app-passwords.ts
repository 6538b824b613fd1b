/**
 * App passwords on /account (docs/security.md, "Second factor"): the list (name, created, last
 * use; never a secret), a form to make one (name, the password, and a code when a factor is on)
 * whose answer shows the secret once, and a revoke form per app password (password and code).
 * The rules are the core's (src/core/mfa/app-passwords.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { clientContext } from '../credentials.js';
import { formBody, htmlResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { view, type Visitor } from './context.js';
import { formField } from './form-body.js';
import { confirmed, type FactorForms } from './factor-forms.js';

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
  requestBody: formBody(
    'An app password’s revoke form.',
    { ...fields, id: { description: 'The app password’s id.', maxLength: 100 }, confirm: { description: '`yes`: the confirmation box, ticked (else 400).', maxLength: 3 } },
    ['csrf', 'ap_password', 'id', 'confirm'],
  ),
  response: answers,
};

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
    const name = formField(req, 'name', 100);
    // A refused form shows the name typed again, so the user need not type it twice.
    return attempt(req, reply, visitor, { field: 'ap_new_password', inputField: 'ap_name', keep: { apName: name } }, async () => {
      const made = await mfa.createAppPassword(visitor.account.id, name, proof(req), clientContext(req));
      return view(deps, req, reply).send(200, 'app-password-new', { name: made.appPassword.name, secret: made.password });
    });
  });

  app.post('/account/app-passwords/revoke', { schema: revokeAppPasswordFormRoute }, async (req, reply): Promise<FastifyReply> => {
    const visitor: Visitor | null = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    const id = formField(req, 'id', 100);
    const { t } = view(deps, req, reply);
    if (!confirmed(req)) return show(req, reply, 400, visitor, { errors: { [`ap_${id}_confirm`]: t('fields.required_hint') } });
    return attempt(req, reply, visitor, { field: `ap_${id}_password` }, async () => {
      await mfa.revokeAppPassword(visitor.account.id, id, proof(req), clientContext(req));
      return show(req, reply, 200, visitor, { notice: { kind: 'ok', text: t('app_passwords.revoked') } });
    });
  });
}
