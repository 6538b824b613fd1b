/** What the logged-in second-factor forms of /account share (second-factor.ts, app-passwords.ts). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PagesDeps, Visitor } from './context.js';
import type { Notice } from './layout.js';

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

