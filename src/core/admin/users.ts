/**
 * Accounts as an operator sees them: find one by id, username or email; create one; list and
 * show them. What leaves this module never includes the password hash (only whether there is
 * one). An operator-created account is active at once and follows the same rules as any other:
 * the same normalization, one namespace of login identifiers, the same password policy and
 * ACCOUNT_DOMAINS, no address limit. The operator is told which identifier is taken.
 */
import { checkUsernameDomain, operatorTakenAnswer } from '../accounts/identifier-rules.js';
import { loginKey, normalizeEmail, normalizeUsername } from '../accounts/identifiers.js';
import { newId } from '../credentials/secrets.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import type { Account, AccountStatus } from '../accounts/ports.js';
import { UniqueViolation, type Tx } from '../ports.js';
import type { AdminDeps } from './ports.js';
import type { SessionRevocations } from '../sessions/ports.js';
import { choosePassword } from './choose-password.js';

/** An account without its password hash. */
export interface AdminUser {
  id: string;
  username: string | null;
  email: string | null;
  emailVerifiedAt: number | null;
  status: AccountStatus;
  /** False for an account that never set a password (an unconfirmed email sign-up). */
  hasPassword: boolean;
  createdAt: number;
  updatedAt: number;
  /** The language of its pages and emails; null: DEFAULT_LANGUAGE. */
  locale: string | null;
}

/** An account with what an operator needs to judge it. */
export interface AdminUserDetail extends AdminUser {
  /** Live logins (a refresh chain counts once) on every surface. */
  liveSessions: number;
  /** The last successful password login on record (audit log), or null. */
  lastLoginAt: number | null;
}

export interface NewUserInput {
  username?: string | undefined;
  email?: string | undefined;
  /** Omitted: a strong password is generated and returned once. */
  password?: string | undefined;
}

export interface UserListQuery {
  /** 1 to 500; default 50. */
  limit?: number | undefined;
  /** The `next` of the previous page: an account id. */
  after?: string | undefined;
  status?: AccountStatus | undefined;
  /** A username or email prefix, compared case-insensitively. */
  search?: string | undefined;
}

export interface UserPage {
  users: AdminUser[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
export const ACCOUNT_STATUSES: readonly AccountStatus[] = ['pending', 'active', 'disabled'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The operator's view of an account. */
export function adminView(account: Account): AdminUser {
  return {
    id: account.id,
    username: account.username,
    email: account.email,
    emailVerifiedAt: account.emailVerifiedAt,
    status: account.status,
    hasPassword: account.passwordHash !== null,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
    locale: account.locale,
  };
}

/** A reference as it may be quoted back in a message: cut, and escaped so it cannot forge output. */
function quoted(ref: string): string {
  return JSON.stringify(ref.slice(0, 80));
}

/**
 * The account `ref` names: an id (tried first), else a username, else an email (each compared
 * as at login). NOT_FOUND otherwise.
 */
export async function resolveUser(deps: Pick<AdminDeps, 'uow' | 'accounts'>, ref: string): Promise<Account> {
  const db = deps.uow.db;
  const byId = UUID.test(ref) ? await deps.accounts.findById(db, ref) : null;
  if (byId) return byId;
  const key = loginKey(ref);
  const found = key === null ? null : await deps.accounts.findByLoginKey(db, key);
  if (!found) throw new AuthError('NOT_FOUND', `no account ${quoted(ref)}`);
  return found;
}

/** The account with this id, read again inside `tx`; NOT_FOUND if it is gone. */
export async function reloadUser(deps: Pick<AdminDeps, 'accounts'>, tx: Tx, id: string): Promise<Account> {
  const account = await deps.accounts.findById(tx, id);
  if (!account) throw new AuthError('NOT_FOUND', `no account ${quoted(id)}`);
  return account;
}

/** Creates an active account; the generated password (when none was given) is returned once. */
export async function addUser(
  deps: Pick<AdminDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'audit'>,
  input: NewUserInput,
  ctx?: ClientContext,
): Promise<{ user: AdminUser; generatedPassword: string | null }> {
  if (input.username === undefined && input.email === undefined) {
    throw new AuthError('INVALID_INPUT', 'give a username, an email or both', { field: 'username' });
  }
  const username = input.username === undefined ? null : normalizeUsername(input.username);
  const email = input.email === undefined ? null : normalizeEmail(input.email);
  if (username !== null) checkUsernameDomain(deps, username);
  const { password, generated } = choosePassword(deps, input.password, { username: input.username ?? null, email: input.email ?? null });
  const passwordHash = await deps.hasher.hash(password);
  const now = deps.clock.now();
  const account: Account = {
    id: newId(),
    username: username?.display ?? null,
    email: email?.display ?? null,
    emailVerifiedAt: null,
    passwordHash,
    status: 'active',
    promoCode: null,
    createdAt: now,
    updatedAt: now,
    locale: null,
  };
  try {
    await deps.uow.transaction(async (tx) => {
      await deps.accounts.insert(tx, { ...account, usernameKey: username?.key ?? null, emailKey: email?.key ?? null });
      await deps.audit.record(tx, { type: 'register', outcome: 'success', accountId: account.id, ctx, detail: { status: 'active', by: 'admin' } });
    });
  } catch (err) {
    if (err instanceof UniqueViolation) throw operatorTakenAnswer(err);
    throw err;
  }
  return { user: adminView(account), generatedPassword: generated ? password : null };
}

function invalid(field: string, message: string): AuthError {
  return new AuthError('INVALID_INPUT', message, { field });
}

/** A page of accounts, newest first, filtered by status and by a username/email prefix. */
export async function listUsers(deps: Pick<AdminDeps, 'uow' | 'accounts'>, query: UserListQuery = {}): Promise<UserPage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalid('limit', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (query.status !== undefined && !ACCOUNT_STATUSES.includes(query.status)) {
    throw invalid('status', `status must be one of ${ACCOUNT_STATUSES.join(', ')}`);
  }
  let keyPrefix: string | undefined;
  if (query.search !== undefined) {
    const key = loginKey(query.search);
    if (key === null) throw invalid('search', 'search must be the start of a username or email, without spaces or control characters');
    keyPrefix = key;
  }
  const db = deps.uow.db;
  let after: { createdAt: number; id: string } | undefined;
  if (query.after !== undefined) {
    const cursor = UUID.test(query.after) ? await deps.accounts.findById(db, query.after) : null;
    if (!cursor) throw invalid('after', 'after must be the id of an existing account (the "next" of the previous page)');
    after = { createdAt: cursor.createdAt, id: cursor.id };
  }
  const rows = await deps.accounts.list(db, {
    limit: limit + 1,
    ...(after ? { after } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(keyPrefix !== undefined ? { keyPrefix } : {}),
  });
  const page = rows.slice(0, limit);
  return { users: page.map(adminView), next: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null };
}

/** The account `ref` names, with its live session count and last login. */
export async function showUser(deps: Pick<AdminDeps, 'uow' | 'accounts' | 'clock'> & { sessions: SessionRevocations }, ref: string): Promise<AdminUserDetail> {
  const account = await resolveUser(deps, ref);
  const db = deps.uow.db;
  const live = await deps.sessions.listLiveSessions(db, account.id, deps.clock.now());
  return { ...adminView(account), liveSessions: live.length, lastLoginAt: await deps.accounts.lastLoginAt(db, account.id) };
}
