/**
 * Passkeys on /account (docs/security.md, "Passkeys"): the list (name, added, last use), a form
 * to add one and a remove form per passkey. Adding is two pages: the owner's proof (password, and
 * a code or a passkey when a factor is on) buys registration options, shown on a page whose form
 * runs `navigator.credentials.create` through our script (passkey-assets.ts) and posts the answer
 * in a hidden field; the first factor's answer is the recovery codes page. The rules are the
 * core's (src/core/passkeys/*). Only these pages and /login carry a script; markup stays plain.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import type { SecondFactorStatus } from '../../core/mfa/enrol.js';
import type { Passkey } from '../../core/passkeys/ports.js';
import { clientContext } from '../credentials.js';
import { formBody, htmlResponse, jsonResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import type { Visitor } from './context.js';
import { readOwnerProof, type FactorForms } from './factor-forms.js';
import { formField } from './form-body.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, page, sendPage } from './layout.js';
import { passkeyScripts, readCredential, sendOptions } from './passkey-assets.js';
import { recoveryCodesPage } from './second-factor.js';

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
export const removePasskeyFormRoute = formRoute('Remove a passkey', 'With the owner’s proof.', { csrf, passkey: { description: 'The passkey’s id.', maxLength: 100 }, remove_password: { description: 'The current password.' }, code, passkey_proof: passkeyProof }, ['csrf', 'passkey', 'remove_password'], 'The account page saying the passkey was removed.');
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

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The owner's proof fields of a passkey form: the password, a code, and the hidden passkey assertion the script may fill. */
function proofFields(prefix: string, passwordName: string, withFactor: boolean): SafeHtml {
  const id = `${prefix}_${passwordName}`;
  return html`<label for="${id}">Current password</label><input id="${id}" name="${passwordName}" type="password" required autocomplete="current-password" maxlength="1023">${withFactor ? html`<label for="${prefix}_code">Code (or leave empty to use a passkey)</label><input id="${prefix}_code" name="code" autocomplete="one-time-code" maxlength="64"><input type="hidden" name="passkey_proof">` : ''}`;
}

/**
 * The passkeys section of the account page. With passkeys and no authenticator app, it also
 * shows the recovery codes left and the form to make new ones (the app's section does otherwise).
 */
export function passkeysSection(list: Passkey[], csrfToken: string, factor: SecondFactorStatus): SafeHtml {
  const withFactor = factor.totp || factor.passkeys > 0;
  const proof = (prefix: string, passwordName: string) => proofFields(prefix, passwordName, withFactor);
  const dataProof = withFactor && list.length > 0 ? html` data-passkey="proof" data-passkey-url="/account/passkeys/proof-options"` : '';
  const items = list.map(
    (p) => html`<li><strong>${p.name}</strong> · added ${day(p.createdAt)} · ${p.lastUsedAt === null ? 'never used' : `last used ${day(p.lastUsedAt)}`}${p.backedUp ? ' · synced' : ''}
<form method="post" action="/account/passkeys/remove"${dataProof}>${csrfField(csrfToken)}<input type="hidden" name="passkey" value="${p.id}">${proof(`pk_${p.id}`, 'remove_password')}<button type="submit">Remove</button></form></li>`,
  );
  return html`<section id="passkeys"><h2>Passkeys</h2><p>A passkey signs you in without a password, or as the second step after it.</p>
${list.length > 0 ? html`<ul>${items}</ul>` : html`<p>None.</p>`}
${list.length > 0 && !factor.totp ? html`<p>${String(factor.recoveryCodesLeft)} recovery codes left.</p><form method="post" action="/account/mfa/recovery-codes"${dataProof}>${csrfField(csrfToken)}${proof('pk_codes', 'codes_password')}<button type="submit">Make new recovery codes</button></form>` : ''}
<form method="post" action="/account/passkeys/start"${dataProof}>${csrfField(csrfToken)}${proof('pk_new', 'passkey_password')}<button type="submit">Add a passkey</button></form><p class="passkey-error" role="alert" hidden></p>${passkeyScripts()}</section>`;
}

function createPage(visitor: Visitor, options: Record<string, unknown>): SafeHtml {
  return page(
    'Add a passkey',
    html`<p>Name the passkey, then follow your browser or device.</p>
<form method="post" action="/account/passkeys/finish" data-passkey="create" data-passkey-options="${JSON.stringify(options)}">${csrfField(visitor.csrfToken)}
<label for="name">Name</label><input id="name" name="name" maxlength="64" value="Passkey" required><input type="hidden" name="credential">
<button type="submit">Create the passkey</button></form><p class="passkey-error" role="alert" hidden></p>
<nav><a href="/account">Cancel</a></nav>${passkeyScripts()}`,
  );
}

/** Registers the /account/passkeys* forms through the account page's form helpers. */
export function registerPasskeyPages(app: FastifyInstance, forms: FactorForms): void {
  const { deps, formVisitor, attempt, show } = forms;
  const passkeys = deps.service.secondFactor.passkeys;
  const expired = (reply: FastifyReply, visitor: Visitor, err: unknown) => {
    if (isAuthError(err, 'INVALID_TOKEN')) return show(reply, 400, visitor, { kind: 'error', text: 'That passkey request has expired. Start again.' });
    throw err;
  };

  app.post('/account/passkeys/start', { schema: startPasskeyFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(reply, visitor, async () => {
      try {
        const options = await passkeys.startRegistration(visitor.account.id, readOwnerProof(req, 'passkey_password'), clientContext(req));
        return sendPage(reply, 200, createPage(visitor, options));
      } catch (err) {
        return expired(reply, visitor, err);
      }
    });
  });

  app.post('/account/passkeys/finish', { schema: finishPasskeyFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(reply, visitor, async () => {
      try {
        const added = await passkeys.finishRegistration(visitor.account.id, formField(req, 'name', 64), readCredential(formField(req, 'credential', 16384)), clientContext(req));
        if (added.recoveryCodes.length > 0) return sendPage(reply, 200, recoveryCodesPage(added.recoveryCodes, { kind: 'ok', text: 'The passkey is added.' }));
        return show(reply, 200, visitor, { kind: 'ok', text: 'The passkey is added.' });
      } catch (err) {
        return expired(reply, visitor, err);
      }
    });
  });

  app.post('/account/passkeys/remove', { schema: removePasskeyFormRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.redirect('/login', 303);
    return attempt(reply, visitor, async () => {
      try {
        await passkeys.remove(visitor.account.id, formField(req, 'passkey', 100), readOwnerProof(req, 'remove_password'), clientContext(req));
      } catch (err) {
        return expired(reply, visitor, err);
      }
      return show(reply, 200, visitor, { kind: 'ok', text: 'The passkey was removed.' });
    });
  });

  app.post('/account/passkeys/proof-options', { schema: ownerProofOptionsRoute }, async (req, reply) => {
    const visitor = await formVisitor(req);
    if (visitor === null) return reply.code(401).send({ error: { code: 'not_authenticated', message: 'sign in again' } });
    return sendOptions(reply, () => passkeys.startOwnerProof(visitor.account.id));
  });
}
