/**
 * Driver errors translated once, so a taken username behaves the same on SQLite and
 * PostgreSQL, and a database that cannot be reached is recognised as such (503, not 500).
 */
import { UniqueViolation } from '../core/ports.js';

interface DriverError {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  detail?: unknown;
}

/** True when `err` is a unique (or primary key) constraint failure of either database. */
export function isUniqueError(err: unknown): boolean {
  const code = ((err ?? {}) as DriverError).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * Rethrows a unique-constraint failure as UniqueViolation naming the column; other errors
 * unchanged. The column is read from the constraint name (PostgreSQL) or the message (SQLite,
 * which names `table.column`), never from PostgreSQL's `detail`, which quotes the value: a value
 * containing "email_key" must not decide the answer. A login identifier that is taken (the
 * shared `login_identifiers` table) is the column the caller was writing: `identifierColumn`.
 */
export function translateWriteError(err: unknown, identifierColumn?: 'username' | 'email'): never {
  if (!isUniqueError(err)) throw err;
  const e = (err ?? {}) as DriverError;
  const text = `${String(e.message ?? '')} ${String(e.constraint ?? '')}`;
  if (text.includes('login_identifiers')) throw new UniqueViolation(identifierColumn ?? 'other');
  if (text.includes('username_key')) throw new UniqueViolation('username');
  if (text.includes('email_key')) throw new UniqueViolation('email');
  throw new UniqueViolation('other');
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '53300', // too_many_connections
]);

/** True when an error means the database is unreachable or overloaded rather than a bug. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = (err ?? {}) as DriverError;
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  const message = String(e.message ?? '');
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i.test(
    message,
  );
}
