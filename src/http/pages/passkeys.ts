/**
 * Passkeys on /account (docs/security.md, "Passkeys"): the list (name, added, last use), a form
 * to add one and a remove form per passkey. Adding is two pages: the owner's proof (password, and
 * a code or a passkey when a factor is on) buys registration options, shown on a page whose form
 * runs `navigator.credentials.create` through our script (passkey-assets.ts) and posts the answer
 * in a hidden field; the first factor's answer is the recovery codes page. The rules are the
 * core's (src/core/passkeys/*). Only these pages and /login carry a script; markup stays plain
 * (templates/pages/partials/account-passkeys.eta, passkey-create.eta). Removing one is a
 * destructive action: confirmed by a ticked box the server checks, like revoking an app password.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { formBody, htmlResponse, jsonResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { view, type Visitor } from './context.js';
import { confirmed, readOwnerProof, type FactorForms } from './factor-forms.js';
import { formField } from './form-body.js';
import { problemText } from './messages.js';
import { readCredential, sendOptions } from './passkey-assets.js';

const csrf = { description: 'The session’s CSRF token (hidden field).' };
const code = { description: 'A code of the second factor (TOTP or recovery code), when one is on; empty when `passkey_proof` is given.', maxLength: 64 };
const passkeyProof = { description: 'A passkey’s assertion (JSON, filled in by the page’s script) instead of a code.', maxLength: 16384 };
const credential = { description: 'The browser’s WebAuthn response (JSON, filled in by the page’s script).', maxLength: 16384 };

function formRoute(summary: string, description: string, fields: Record<string, { description: string; maxLength?: number }>, required: string[], ok: string): RouteSchema {
  return {
    summary,
    description,
    tags: ['pages'],
    security: requires('sessionCookie'),
    requestBody: formBody(summary, fields, required),
    response: { 200: htmlResponse(ok), 400: htmlResponse('A wrong password, code or passkey, a bad answer, or a request that expired: the account page saying so.') },
  };
}

export const startPasskeyFormRoute = formRoute('Add a passkey', 'With the owner’s proof: a page that asks the browser to create a passkey.', { csrf, passkey_password: { description: 'The current password.' }, code, passkey_proof: passkeyProof }, ['csrf', 'passkey_password'], 'The page that creates the passkey.');
export const finishPasskeyFormRoute = formRoute('Save a new passkey', 'The browser’s answer to the registration options and a name.', { csrf, name: { description: 'A name for the passkey.', maxLength: 64 }, credential }, ['csrf', 'credential'], 'The recovery codes (first factor), or the account page saying the passkey was added.');
export const removePasskeyFormRoute = formRoute('Remove a passkey', 'With the owner’s proof and the confirmation box ticked.', { csrf, passkey: { description: 'The passkey’s id.', maxLength: 100 }, remove_password: { description: 'The current password.' }, code, passkey_proof: passkeyProof, confirm: { description: '`yes`: the box confirming the removal, ticked.', maxLength: 3 } }, ['csrf', 'passkey', 'remove_password', 'confirm'], 'The account page saying the passkey was removed.');
export const ownerProofOptionsRoute: RouteSchema = {
  summary: 'Options to confirm a change with a passkey',
  description: 'Called by the page’s script: assertion options for one of the account’s passkeys (`passkey_proof` of the forms above).',
  tags: ['pages'],
  security: requires('sessionCookie'),
  requestBody: formBody('The CSRF token.', { csrf }, ['csrf']),
  response: {
    200: jsonResponse('The options for navigator.credentials.get.', { type: 'object', properties: { options: { type: 'object', additionalProperties: true } } }),
    400: jsonResponse('The account has no passkey.', { type: 'object', additionalProperties: true }),
  },
};

/** Registers the /account/passkeys* forms through the account page's form helpers. */
export function registerPasskeyPages(app: FastifyInstance, forms: FactorForms): void {
  const { deps, formVisitor, attempt, show } = forms;
  const passkeys = deps.service.secondFactor.passkeys;
  /** A refusal the form helpers do not name: an expired request, or an answer that is not a passkey (shown on the add form). */
  const refused = (req: FastifyRequest, reply: FastifyReply, visitor: Visitor, err: unknown) => {
    const { t } = view(deps, req, reply);
    if (isAuthError(err, 'INVALID_TOKEN')) return show(req, reply, 400, visitor, { notice: { kind: 'error', text: t('passkeys.expired') } });
    throw err;
  };

  app.post('/account/passkeys/start', { schema: startPasskeyFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(req, reply, visitor, { field: 'pk_new_passkey_password' }, async () => {
      try {
        const options = await passkeys.startRegistration(visitor.account.id, readOwnerProof(req, 'passkey_password'), clientContext(req));
        return view(deps, req, reply).send(200, 'passkey-create', { csrf: visitor.csrfToken, options: JSON.stringify(options) });
      } catch (err) {
        return refused(req, reply, visitor, err);
      }
    });
  });

  app.post('/account/passkeys/finish', { schema: finishPasskeyFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    const page = view(deps, req, reply);
    try {
      const added = await passkeys.finishRegistration(visitor.account.id, formField(req, 'name', 64), readCredential(formField(req, 'credential', 16384)), clientContext(req));
      if (added.recoveryCodes.length > 0) return page.send(200, 'recovery-codes', { codes: added.recoveryCodes, notice: { kind: 'ok', text: page.t('passkeys.is_added') } });
      return show(req, reply, 200, visitor, { notice: { kind: 'ok', text: page.t('passkeys.is_added') } });
    } catch (err) {
      // The create page's options are spent: the answer goes on the account page's add form, to start again.
      const field = 'pk_new_passkey_password';
      if (isAuthError(err, 'INVALID_CREDENTIALS')) return show(req, reply, 400, visitor, { errors: { [field]: page.t('passkeys.not_verified') } });
      if (isAuthError(err, 'INVALID_INPUT')) return show(req, reply, 400, visitor, { errors: { [field]: problemText(err, page.t) } });
      return refused(req, reply, visitor, err);
    }
  });

  app.post('/account/passkeys/remove', { schema: removePasskeyFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    const id = formField(req, 'passkey', 100);
    const { t } = view(deps, req, reply);
    if (!confirmed(req)) return show(req, reply, 400, visitor, { errors: { [`pk_${id}_confirm`]: t('fields.required_hint') } });
    return attempt(req, reply, visitor, { field: `pk_${id}_remove_password` }, async () => {
      try {
        await passkeys.remove(visitor.account.id, id, readOwnerProof(req, 'remove_password'), clientContext(req));
      } catch (err) {
        return refused(req, reply, visitor, err);
      }
      return show(req, reply, 200, visitor, { notice: { kind: 'ok', text: t('passkeys.is_removed') } });
    });
  });

  app.post('/account/passkeys/proof-options', { schema: ownerProofOptionsRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.code(401).send({ error: { code: 'not_authenticated', message: 'sign in again' } });
    return sendOptions(reply, () => passkeys.startOwnerProof(visitor.account.id));
  });
}
