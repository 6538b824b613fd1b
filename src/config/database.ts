/**
 * DATABASE_URL: `sqlite:<path>`, `sqlite::memory:` or `postgres://...`. A SQLite file in a folder
 * that does not exist is a mistake (a typo, an unmounted volume), not a request to create one:
 * only the default folder `./data` is created at start-up (README, "Configuration").
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fail, raw, type Env } from './read.js';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/latchkey.db';

/** The validated DATABASE_URL; `folderMayBeMissing` for `latchkey restore`, which creates the folder of the file it puts there. */
export function readDatabaseUrl(env: Env, options: { folderMayBeMissing?: boolean } = {}): string {
  const value = raw(env, 'DATABASE_URL') ?? DEFAULT_DATABASE_URL;
  if (/^postgres(ql)?:\/\/.+/.test(value)) return value;
  if (!/^sqlite:.+/.test(value)) return fail('DATABASE_URL', 'must start with sqlite: or postgres://', value);
  const path = value.slice('sqlite:'.length);
  if (path === ':memory:') return value;
  const folder = resolve(dirname(path));
  const isDefault = folder === resolve('data');
  if (!isDefault && !options.folderMayBeMissing && !(existsSync(folder) && statSync(folder).isDirectory())) {
    fail('DATABASE_URL', `names a SQLite file in the folder ${folder}, which does not exist (create it first; only ./data is created for you)`, value);
  }
  return value;
}

/** The file of a `sqlite:` URL (absolute), or null for PostgreSQL and in-memory databases. */
export function sqliteFileOf(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('sqlite:')) return null;
  const path = databaseUrl.slice('sqlite:'.length);
  return path === ':memory:' ? null : resolve(path);
}

/** Where the database is, for people: the SQLite file, or PostgreSQL's host, port, database and schema (never a password). */
export function describeDatabase(databaseUrl: string): string {
  const file = sqliteFileOf(databaseUrl);
  if (file !== null) return `SQLite ${file}`;
  if (databaseUrl.startsWith('sqlite:')) return 'SQLite in memory (nothing is kept)';
  try {
    const url = new URL(databaseUrl);
    const schema = url.searchParams.get('schema');
    const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
    // A `host` parameter naming a folder is PostgreSQL's Unix socket there (README, "Running on PostgreSQL").
    const socket = url.searchParams.get('host');
    const where = socket?.startsWith('/') ? `${socket}${url.pathname} (Unix socket)` : `${url.hostname}:${url.port || '5432'}${url.pathname}`;
    return `PostgreSQL ${user}${where}${schema ? ` (schema ${schema})` : ''}`;
  } catch {
    return 'PostgreSQL';
  }
}
