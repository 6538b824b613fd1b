/** What the logged-in second-factor forms of /account share (second-factor.ts, app-passwords.ts). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OwnerProof } from '../../core/mfa/owner-proof.js';
import type { PagesDeps, Visitor } from './context.js';
import { formField } from './form-body.js';
import type { FieldErrors, Notice } from './view.js';
import { readCredential } from './passkey-assets.js';

/** The account page's answer after a form: a notice, or errors by field id (the first is focused). */
export interface AccountOutcome {
  notice?: Notice;
  errors?: FieldErrors;
  /** What the change-email form had, to show it again. */
  newEmail?: string;
  /** What the app-password form had as name, to show it again. */
  apName?: string;
}

/** How the account page shows a notice or field errors (the account page module passes its own renderer). */
export type ShowAccount = (req: FastifyRequest, reply: FastifyReply, status: number, visitor: Visitor, outcome?: AccountOutcome) => Promise<FastifyReply>;

/** What the logged-in factor forms share (the app-password forms use it too). */
export interface FactorForms {
  deps: PagesDeps;
  /** The visitor of a logged-in form, its CSRF token checked; null: not logged in (the caller redirects). */
  formVisitor(req: FastifyRequest): Promise<Visitor | null>;
  /**
   * Runs a change; a refused proof or state shows the account page with the reason (400) on the
   * form's field `field` (a wrong password or code) or on `inputField` (a bad input such as a name);
   * `keep` is what the form had that the page shows again (the name typed).
   */
  attempt(req: FastifyRequest, reply: FastifyReply, visitor: Visitor, fields: { field: string; inputField?: string; keep?: AccountOutcome }, change: () => Promise<FastifyReply>): Promise<FastifyReply>;
  show: ShowAccount;
}


/** True when the box confirming a destructive action (`confirm=yes`) was ticked: the server checks what the form's `required` asks. */
export function confirmed(req: FastifyRequest): boolean {
  return formField(req, 'confirm', 3) === 'yes';
}

/** The owner's proof a form carries: the password field, and a `code` or else a passkey's assertion (`passkey_proof`, filled in by the script). */
export function readOwnerProof(req: FastifyRequest, passwordField: string): OwnerProof {
  const code = formField(req, 'code', 64);
  const assertion = formField(req, 'passkey_proof', 16384);
  return { password: formField(req, passwordField), ...(code ? { code } : assertion ? { passkey: readCredential(assertion) } : {}) };
}
