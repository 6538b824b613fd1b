/**
 * Administration (docs/decisions.md, "Administration"): what an operator does to accounts and to the mail queue, beside the
 * accounts service rather than inside it. One object serves the `latchkey user` / `sessions`
 * commands and the /api/v1/admin routes, so both apply the same rules: users are named by id,
 * username or email; passwords meet the users' policy and are generated when not given;
 * disabling ends every session at once; deleting is the users' own deletion flow, notice
 * included. Every change is an audit event in its own transaction, with the surface (`admin`
 * or `cli`) that made it. The caller authorizes: this module trusts whoever holds it.
 */
import { deleteAccount } from '../accounts/delete.js';
import { exportAccounts, type ExportOptions } from '../import/export.js';
import type { AppPassword } from '../mfa/ports.js';
import { listOidcClients, registerOidcClient, revokeOidcClient, type NewOidcClient, type OidcClientInput } from '../oidc/clients.js';
import type { OidcClient } from '../oidc/ports.js';
import { listUserAppPasswords, resetUserSecondFactor, revokeUserAppPassword } from './second-factor.js';
import { importAccounts, type ImportOptions, type ImportReport } from '../import/run.js';
import { checkKeyWithinBudget } from '../credentials/key-guesses.js';
import { listIdentifierCollisions, renameAccount } from '../accounts/rename.js';
import type { IdentifierCollision } from '../accounts/ports.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import { disableUser, enableUser, revokeUserSessions, type StatusChange } from './account-status.js';
import { listMail, retryMail } from './mail-queue.js';
import type { AdminDeps, QueuedMail } from './ports.js';
import { setUserPassword } from './passwords.js';
import {
  addUser,
  adminView,
  listUsers,
  resolveUser,
  showUser,
  type AdminUser,
  type AdminUserDetail,
  type NewUserInput,
  type UserListQuery,
  type UserPage,
} from './users.js';

export interface AdminService {
  /**
   * Runs the caller's comparison of a presented admin API key under the address's budget of
   * wrong keys: resolves when `matches()` is true; NOT_AUTHENTICATED (an `admin_auth` event) for
   * a wrong key; THROTTLED past the budget, before `matches` runs (src/core/credentials/key-guesses.ts).
   */
  authenticateKey(matches: () => boolean, reason: 'no_key' | 'wrong_key', ctx: ClientContext): Promise<void>;
  /** Creates an active account; `generatedPassword` is set (and shown once) when no password was given. */
  addUser(input: NewUserInput, ctx?: ClientContext): Promise<{ user: AdminUser; generatedPassword: string | null }>;
  /** A page of accounts, newest first; INVALID_INPUT for a bad limit, status, search or cursor. */
  listUsers(query?: UserListQuery): Promise<UserPage>;
  /** The account named by id, username or email, with live sessions and last login; NOT_FOUND otherwise. */
  showUser(ref: string): Promise<AdminUserDetail>;
  /** Disables the account and ends every session and refresh chain of it in the same transaction. */
  disableUser(ref: string, ctx?: ClientContext): Promise<StatusChange>;
  /** Enables a disabled account (pending again if it never set a password). */
  enableUser(ref: string, ctx?: ClientContext): Promise<StatusChange>;
  /** Deletes the account through the users' deletion flow (notice mail included); returns what it was. */
  deleteUser(ref: string, ctx?: ClientContext): Promise<AdminUser>;
  /** Sets a password (generated when null), ends every session, voids links, queues the notice. */
  setPassword(ref: string, password: string | null, ctx?: ClientContext): Promise<{ user: AdminUser; generatedPassword: string | null; sessionsEnded: number }>;
  /** Sets the account's username (null: none, if it has an email); USERNAME_TAKEN when another account holds it as username or email. */
  renameUser(ref: string, username: string | null, ctx?: ClientContext): Promise<AdminUser>;
  /** Usernames the login-identifiers migration left out because each equals another account's email. */
  listCollisions(): Promise<IdentifierCollision[]>;
  /** Ends every session and refresh chain of the account. */
  revokeSessions(ref: string, ctx?: ClientContext): Promise<{ user: AdminUser; sessionsEnded: number }>;
  /** Removes every second factor, recovery code and pending step of the account (a lost device); audited, owner mailed. */
  resetSecondFactor(ref: string, ctx?: ClientContext): Promise<{ user: AdminUser; factorsRemoved: number }>;
  /** The account's app passwords, never their secrets. */
  listAppPasswords(ref: string): Promise<{ user: AdminUser; appPasswords: AppPassword[] }>;
  /** Revokes one app password of the account; NOT_FOUND for any other id. */
  revokeAppPassword(ref: string, id: string, ctx?: ClientContext): Promise<AdminUser>;
  /** The newest 500 outbox messages (or only failed ones), never their data. */
  listMail(options?: { failedOnly?: boolean }): Promise<QueuedMail[]>;
  /** Makes a failed or pending message due now; NOT_FOUND when there is none with this id. */
  retryMail(id: string): Promise<void>;
  /** Creates accounts from JSON lines with their existing password hashes (src/core/import/run.ts). */
  importAccounts(lines: AsyncIterable<string> | Iterable<string>, options?: ImportOptions): Promise<ImportReport>;
  /** Every account as a JSON line in the import format (src/core/import/export.ts); audited. */
  exportAccounts(options?: ExportOptions): AsyncGenerator<string>;
  /** Registers an OIDC client (`latchkey client add`); its secret is returned once. Audited (oidc_client_add). */
  addClient(input: OidcClientInput, ctx?: ClientContext): Promise<NewOidcClient>;
  /** Every OIDC client, newest first, revoked ones too. */
  listClients(): Promise<OidcClient[]>;
  /** Revokes an OIDC client; NOT_FOUND when unknown or revoked already. Audited (oidc_client_revoke). */
  revokeClient(id: string, ctx?: ClientContext): Promise<OidcClient>;
}

/** Binds the admin flows to their dependencies. */
export function createAdminService(deps: AdminDeps): AdminService {
  return {
    async authenticateKey(matches, reason, ctx) {
      await checkKeyWithinBudget(
        deps,
        'admin_key',
        ctx,
        () => (matches() ? true : null),
        () => ({
          event: { type: 'admin_auth', outcome: 'rejected', ctx, detail: { reason } },
          error: new AuthError('NOT_AUTHENTICATED', 'send the admin API key as Authorization: Bearer <ADMIN_API_KEY>'),
        }),
      );
    },
    addUser: (input, ctx) => addUser(deps, input, ctx),
    listUsers: (query) => listUsers(deps, query),
    showUser: (ref) => showUser(deps, ref),
    disableUser: (ref, ctx) => disableUser(deps, ref, ctx),
    enableUser: (ref, ctx) => enableUser(deps, ref, ctx),
    async deleteUser(ref, ctx) {
      const account = await resolveUser(deps, ref);
      await deleteAccount(deps, account.id, ctx);
      return adminView(account);
    },
    setPassword: (ref, password, ctx) => setUserPassword(deps, ref, password, ctx),
    async renameUser(ref, username, ctx) {
      const account = await resolveUser(deps, ref);
      return adminView(await renameAccount(deps, account.id, username, ctx));
    },
    listCollisions: () => listIdentifierCollisions(deps),
    revokeSessions: (ref, ctx) => revokeUserSessions(deps, ref, ctx),
    resetSecondFactor: (ref, ctx) => resetUserSecondFactor(deps, ref, ctx),
    listAppPasswords: (ref) => listUserAppPasswords(deps, ref),
    revokeAppPassword: (ref, id, ctx) => revokeUserAppPassword(deps, ref, id, ctx),
    listMail: (options) => listMail(deps, options),
    retryMail: (id) => retryMail(deps, id),
    importAccounts: (lines, options) => importAccounts(deps, lines, options),
    exportAccounts: (options) => exportAccounts(deps, options),
    addClient: (input, ctx) => registerOidcClient(deps, input, ctx),
    listClients: () => listOidcClients(deps),
    revokeClient: (id, ctx) => revokeOidcClient(deps, id, ctx),
  };
}

export { ACCOUNT_STATUSES, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './users.js';
export type { AdminUser, AdminUserDetail, NewUserInput, UserListQuery, UserPage } from './users.js';
export type { StatusChange } from './account-status.js';
export type { AdminDeps, MailQueueView, QueuedMail } from './ports.js';
export { mailRecord, userDetailRecord, userRecord, type MailRecord, type UserDetailRecord, type UserRecord } from './records.js';
