/** Accounts: the account record and its store. */
import type { Tx } from '../ports.js';
import type { AuditRowToStore } from '../audit/ports.js';

export type AccountStatus = 'pending' | 'active' | 'disabled';

export interface Account {
  id: string;
  username: string | null;
  email: string | null;
  emailVerifiedAt: number | null;
  passwordHash: string | null;
  status: AccountStatus;
  promoCode: string | null;
  createdAt: number;
  updatedAt: number;
  /** The language of the account's emails (a shipped language code); null: DEFAULT_LANGUAGE (docs/branding.md#language). */
  locale: string | null;
}

export interface NewAccount {
  id: string;
  username: string | null;
  usernameKey: string | null;
  email: string | null;
  emailKey: string | null;
  passwordHash: string | null;
  status: AccountStatus;
  promoCode?: string | null;
  createdAt: number;
  /** When the email was verified (an import may bring verified emails); unset: not verified. */
  emailVerifiedAt?: number | null;
  /** The language of its emails; unset: DEFAULT_LANGUAGE. */
  locale?: string | null;
}

/** An account whose username is another account's email, recorded by the migration that made one namespace. */
export interface IdentifierCollision {
  /** The account whose username was left out of the namespace (it does not log in by it). */
  account: Account;
  /** The account whose email holds the identifier (null if it has been deleted since). */
  other: Account | null;
  /** The identifier, case-folded. */
  identifier: string;
  /** Which of the account's identifiers was left out: its username (usually) or its email. */
  kind: 'username' | 'email';
  foundAt: number;
}

export interface AccountStore {
  /**
   * Inserts an account and claims its username and email in the one namespace of login
   * identifiers; throws UniqueViolation('username' | 'email') when that identifier is any
   * other account's username or email (the database decides, so racing claims cannot both win).
   */
  insert(tx: Tx, account: NewAccount): Promise<void>;
  /**
   * PostgreSQL only (absent on SQLite, where statements are no round trips): insert and the
   * sign-up's audit row (AuditLog.writeWith) in one statement, run outside any transaction as its
   * own (migration 2026-12-07T1700-register-account-function); the same UniqueViolation, and
   * nothing written, when an identifier is taken.
   */
  insertAudited?(tx: Tx, account: NewAccount, audit: AuditRowToStore): Promise<void>;
  /**
   * Replaces the account's username (null: none) and its claim in the identifier namespace;
   * UniqueViolation('username') when the new one is another account's username or email. Clears
   * the account's recorded identifier collision. False if the account is gone.
   */
  setUsername(tx: Tx, id: string, username: { display: string; key: string } | null, now: number): Promise<boolean>;
  /** Sets a verified new email and its namespace claim (the old one stops logging in); UniqueViolation('email') if held; false if gone. */
  setEmail(tx: Tx, id: string, email: { display: string; key: string }, now: number): Promise<boolean>;
  /** Usernames left out of the identifier namespace because they equal another account's email (see the migration). */
  listIdentifierCollisions(tx: Tx): Promise<IdentifierCollision[]>;
  /**
   * Claims the identifiers of accounts that have none (written by a node of an earlier release
   * during a rolling upgrade); one another account holds is recorded as a collision instead.
   * Works on at most 10,000 accounts per call.
   */
  backfillIdentifiers(tx: Tx, now: number): Promise<{ accounts: number; collisions: number }>;
  /** The account with this id, or null. */
  findById(tx: Tx, id: string): Promise<Account | null>;
  /** The one account whose username or email claims the login identifier `key` in the namespace, or null. */
  findByLoginKey(tx: Tx, key: string): Promise<Account | null>;
  /**
   * findByLoginKey for a password login, with whether the account has a second factor on (a
   * confirmed TOTP factor or a passkey) read in the same statement; `secondFactorOn` is
   * undefined when it could not be (an account without claims: ask the second-factor store).
   */
  findForLogin(tx: Tx, key: string): Promise<{ account: Account; secondFactorOn: boolean | undefined } | null>;
  /** Replaces the password hash if it is still `expected` (a lost race changes nothing). */
  replacePasswordHash(tx: Tx, id: string, expected: string, next: string, now: number): Promise<void>;
  /** The account whose normalized email equals `emailKey`, or null. */
  findByEmailKey(tx: Tx, emailKey: string): Promise<Account | null>;
  /** Sets the password hash unconditionally. */
  setPasswordHash(tx: Tx, id: string, passwordHash: string, now: number): Promise<void>;
  /** Activates a pending account still holding `emailKey`: sets the hash and verifies the email; false if it changed meanwhile. */
  activateWithPassword(tx: Tx, id: string, emailKey: string, passwordHash: string, now: number): Promise<boolean>;
  /** Deletes the account (sessions and links go by ON DELETE CASCADE); false if it was already gone. */
  deleteAccount(tx: Tx, id: string): Promise<boolean>;
  /** Sets the language of the account's emails (null: DEFAULT_LANGUAGE); false if the account is gone. */
  setLocale(tx: Tx, id: string, locale: string | null, now: number): Promise<boolean>;
  /** Sets the account's status; false if the account is gone. */
  setStatus(tx: Tx, id: string, status: AccountStatus, now: number): Promise<boolean>;
  /** A page of accounts, newest first (admin listing); see AccountListQuery. */
  list(tx: Tx, query: AccountListQuery): Promise<Account[]>;
  /** When the account last logged in successfully, from the audit log (null: none on record). */
  lastLoginAt(tx: Tx, id: string): Promise<number | null>;
}

/** A page of the account listing: newest first, optionally after a cursor, by status, by key prefix. */
export interface AccountListQuery {
  limit: number;
  /** Only accounts that sort after this one (created earlier; the same time and a smaller id). */
  after?: { createdAt: number; id: string };
  status?: AccountStatus;
  /** Only accounts whose normalized username or email starts with this (already case-folded). */
  keyPrefix?: string;
}
