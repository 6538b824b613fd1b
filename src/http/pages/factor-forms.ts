/** What the logged-in second-factor forms of /account share (second-factor.ts, app-passwords.ts). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OwnerProof } from '../../core/mfa/owner-proof.js';
import type { PagesDeps, Visitor } from './context.js';
import { formField } from './form-body.js';
import type { Notice } from './layout.js';
import { readCredential } from './passkey-assets.js';

/** How the account page shows a notice (the account page module passes its own renderer). */
export type ShowAccount = (reply: FastifyReply, status: number, visitor: Visitor, notice?: Notice) => Promise<FastifyReply>;

/** What the logged-in factor forms share (the app-password forms use it too). */
export interface FactorForms {
  deps: PagesDeps;
  /** The visitor of a logged-in form, its CSRF token checked; null: not logged in (the caller redirects). */
  formVisitor(req: FastifyRequest): Promise<Visitor | null>;
  /** Runs a change; a refused proof or state shows the account page with the reason (400). */
  attempt(reply: FastifyReply, visitor: Visitor, change: () => Promise<FastifyReply>): Promise<FastifyReply>;
  show: ShowAccount;
}


/** The owner's proof a form carries: the password field, and a `code` or else a passkey's assertion (`passkey_proof`, filled in by the script). */
export function readOwnerProof(req: FastifyRequest, passwordField: string): OwnerProof {
  const code = formField(req, 'code', 64);
  const assertion = formField(req, 'passkey_proof', 16384);
  return { password: formField(req, passwordField), ...(code ? { code } : assertion ? { passkey: readCredential(assertion) } : {}) };
}
