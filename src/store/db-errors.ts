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

/** Rethrows a unique-constraint failure as UniqueViolation naming the column; other errors unchanged. */
export function translateWriteError(err: unknown): never {
  const e = (err ?? {}) as DriverError;
  const text = `${String(e.message ?? '')} ${String(e.constraint ?? '')} ${String(e.detail ?? '')}`;
  const isUnique = e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === '23505';
  if (!isUnique) throw err;
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
