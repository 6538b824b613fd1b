/**
 * One line of an account import (README, "Moving users in and out"): a JSON object
 *
 *   {"id"?, "username"?, "email"?, "emailVerified"?, "passwordHash"?, "keycloakCredential"?,
 *    "credentials"?, "status"?, "createdAt"?, "locale"?, "sessions"?}
 *
 * checked against the same identifier rules as every other way of making an account (one
 * namespace of usernames and emails, ACCOUNT_DOMAINS). The password policy cannot be checked on
 * a hash; it applies at the account's next password change. `sessions` (written by `latchkey
 * export --sessions`) is informational and ignored. A Keycloak credential (its export's
 * `secretData` and `credentialData`) becomes the stored form `$pbkdf2-<digest>$i=<iterations>$<salt>$<hash>`.
 * `locale`, the language of the account's emails, must be one the service ships (null or absent:
 * DEFAULT_LANGUAGE), so an import never stores a language no email can be written in.
 */
import { checkUsernameDomain } from '../accounts/identifier-rules.js';
import { knownLocale } from '../accounts/locale.js';
import { normalizeEmail, normalizeUsername } from '../accounts/identifiers.js';
import type { CoreDeps } from '../deps.js';
import { isAuthError } from '../errors.js';
import type { AccountStatus, NewAccount } from '../accounts/ports.js';

/** A line that passed every check that needs no database. */
export interface ImportRecord {
  line: number;
  account: NewAccount;
  /** Whether the line named its id (resume matches on it then). */
  idGiven: boolean;
}

/** Thrown for a refused line: the reason goes to the report with its line number. */
export class RefusedLine extends Error {
  override name = 'RefusedLine';
}

const KNOWN_KEYS = new Set(['id', 'username', 'email', 'emailVerified', 'passwordHash', 'keycloakCredential', 'credentials', 'status', 'createdAt', 'locale', 'sessions']);
const ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;
const STATUSES: readonly AccountStatus[] = ['active', 'disabled', 'pending'];

function refuse(reason: string): never {
  throw new RefusedLine(reason);
}

function jsonField(value: unknown, name: string): Record<string, unknown> {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      refuse(`keycloak ${name} is not JSON`);
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) refuse(`keycloak ${name} must be an object`);
  return v as Record<string, unknown>;
}

/** The stored form of a Keycloak password credential (`secretData` + `credentialData`). */
export function keycloakHash(credential: unknown): string {
  if (typeof credential !== 'object' || credential === null) refuse('keycloakCredential must be an object');
  const c = credential as Record<string, unknown>;
  if (c.type !== undefined && c.type !== 'password') refuse(`keycloak credential type ${JSON.stringify(c.type)} is not "password"`);
  const secret = jsonField(c.secretData, 'secretData');
  const data = jsonField(c.credentialData, 'credentialData');
  const algorithm = data.algorithm;
  if (algorithm !== 'pbkdf2-sha256' && algorithm !== 'pbkdf2-sha512') {
    refuse(`keycloak algorithm ${JSON.stringify(algorithm)} is not accepted (pbkdf2-sha256 or pbkdf2-sha512)`);
  }
  const iterations = data.hashIterations;
  if (typeof iterations !== 'number' || !Number.isInteger(iterations)) refuse('keycloak hashIterations must be an integer');
  const { value, salt } = secret;
  if (typeof value !== 'string' || typeof salt !== 'string') refuse('keycloak secretData needs "value" and "salt" (base64)');
  return `$${algorithm}$i=${iterations}$${salt}$${value}`;
}

function passwordHashOf(o: Record<string, unknown>): string | null {
  const given = [o.passwordHash !== undefined && o.passwordHash !== null, o.keycloakCredential !== undefined, o.credentials !== undefined].filter(Boolean).length;
  if (given > 1) refuse('give one of passwordHash, keycloakCredential or credentials');
  if (o.keycloakCredential !== undefined) return keycloakHash(o.keycloakCredential);
  if (o.credentials !== undefined) {
    // A Keycloak user representation: its "password" credential, if any.
    if (!Array.isArray(o.credentials)) refuse('credentials must be an array (Keycloak user export)');
    const password = (o.credentials as unknown[]).filter((c) => (c as { type?: unknown } | null)?.type === 'password');
    if (password.length > 1) refuse('more than one Keycloak password credential');
    return password.length === 1 ? keycloakHash(password[0]) : null;
  }
  if (o.passwordHash === undefined || o.passwordHash === null) return null;
  if (typeof o.passwordHash !== 'string') refuse('passwordHash must be a string');
  return o.passwordHash;
}

function timeOf(value: unknown, now: number): number {
  if (value === undefined || value === null) return now;
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > now + 86_400_000) refuse('createdAt must be epoch milliseconds or an ISO date, not in the future');
  return ms;
}

function localeOf(deps: Pick<CoreDeps, 'policy'>, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const known = typeof value === 'string' ? knownLocale(deps, value) : null;
  if (known === null) refuse(`locale ${JSON.stringify(String(value).slice(0, 35))} is not a language this server ships${deps.policy.languages ? ` (${deps.policy.languages.join(', ')})` : ''}`);
  return known;
}

/**
 * Parses and checks line `line` (1-based) of an import; RefusedLine with the reason when it
 * cannot be imported. `newId` names accounts without an id. Keycloak's `createdTimestamp` and
 * `enabled` are read when the line is a Keycloak user representation.
 */
export function parseImportLine(deps: Pick<CoreDeps, 'hasher' | 'clock' | 'policy'>, text: string, line: number, newId: () => string): ImportRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    refuse('not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) refuse('not a JSON object');
  const o = parsed as Record<string, unknown>;
  const keycloakUser = Array.isArray(o.credentials);
  const unknown = Object.keys(o).find((k) => !KNOWN_KEYS.has(k) && !keycloakUser);
  if (unknown !== undefined) refuse(`unknown field ${JSON.stringify(unknown.slice(0, 64))}`);
  const now = deps.clock.now();
  if (o.id !== undefined && (typeof o.id !== 'string' || !ID_SHAPE.test(o.id))) refuse('id must be 1 to 64 letters, digits, "-" or "_"');
  if (o.username !== undefined && o.username !== null && typeof o.username !== 'string') refuse('username must be a string');
  if (o.email !== undefined && o.email !== null && typeof o.email !== 'string') refuse('email must be a string');
  if (o.emailVerified !== undefined && typeof o.emailVerified !== 'boolean') refuse('emailVerified must be true or false');
  const rawUsername = typeof o.username === 'string' ? o.username : null;
  const rawEmail = typeof o.email === 'string' ? o.email : null;
  if (rawUsername === null && rawEmail === null) refuse('needs a username or an email');
  let status: AccountStatus = 'active';
  if (keycloakUser && o.enabled === false) status = 'disabled';
  if (o.status !== undefined) {
    if (!STATUSES.includes(o.status as AccountStatus)) refuse('status must be "active", "disabled" or "pending"');
    status = o.status as AccountStatus;
  }
  let username = null;
  let email = null;
  try {
    username = rawUsername === null ? null : normalizeUsername(rawUsername);
    email = rawEmail === null ? null : normalizeEmail(rawEmail);
    if (username) checkUsernameDomain(deps, username);
  } catch (err) {
    if (isAuthError(err, 'INVALID_INPUT')) refuse(err.message);
    throw err;
  }
  const passwordHash = passwordHashOf(o);
  if (passwordHash !== null) {
    const problem = deps.hasher.importable ? deps.hasher.importable(passwordHash) : 'this server accepts no imported hashes';
    if (problem !== null) refuse(problem);
  }
  const createdAt = timeOf(o.createdAt ?? (keycloakUser ? o.createdTimestamp : undefined), now);
  const locale = localeOf(deps, o.locale);
  const verified = o.emailVerified === true && email !== null;
  return {
    line,
    idGiven: typeof o.id === 'string',
    account: {
      id: typeof o.id === 'string' ? o.id : newId(),
      username: username?.display ?? null,
      usernameKey: username?.key ?? null,
      email: email?.display ?? null,
      emailKey: email?.key ?? null,
      passwordHash,
      status,
      createdAt,
      emailVerifiedAt: verified ? now : null,
      locale,
    },
  };
}
