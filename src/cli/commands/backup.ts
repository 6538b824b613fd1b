/**
 * `latchkey backup FILE`: a consistent copy of the SQLite database at DATABASE_URL, taken while
 * servers keep serving. It runs `VACUUM INTO` on a read-only connection: one read transaction,
 * so the copy is the database as of one commit, and in WAL mode writers are not blocked (they
 * only keep the WAL from being checkpointed meanwhile). The copy is written beside FILE and
 * renamed into place once checked, so FILE is never a half-written backup. PostgreSQL is
 * refused: use pg_dump (docs/deploy.md, "Backups").
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../../config/index.js';
import { migrationProvider } from '../../store/migrations/index.js';
import { onePositional, parseFlags } from '../args.js';
import { jsonText, type Command } from '../command.js';

/** The file path of a `sqlite:` DATABASE_URL; throws for PostgreSQL and in-memory databases. */
export function sqliteFileOf(databaseUrl: string, command: 'backup' | 'restore'): string {
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new Error(`${command} works on SQLite files only; for PostgreSQL use pg_dump -Fc / pg_restore as docs/deploy.md ("Backups") describes`);
  }
  const path = databaseUrl.slice('sqlite:'.length);
  if (path === ':memory:') throw new Error(`DATABASE_URL is an in-memory database: there is nothing to ${command}`);
  return resolve(path);
}

/** Splits `FILE [--force] [--json]`; throws UsageError on anything else. */
export function parseFileArgs(args: string[], command: 'backup' | 'restore'): { file: string; force: boolean; json: boolean } {
  const flags = parseFlags(args, { switches: command === 'backup' ? ['--force', '--json'] : ['--json'] });
  const file = onePositional(flags, `say which file: latchkey ${command} FILE`);
  return { file: resolve(file), force: flags.switches.has('--force'), json: flags.switches.has('--json') };
}

export interface CheckedDatabase {
  /** The newest migration applied in the file. */
  migration: string;
  accounts: number;
}

/**
 * Checks that `path` is an intact Latchkey database whose migrations this build knows:
 * `PRAGMA integrity_check`, then the migrations table. Throws a one-line Error otherwise.
 */
export async function checkLatchkeyFile(path: string): Promise<CheckedDatabase> {
  let db: SQLite.Database;
  try {
    db = new SQLite(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${path} cannot be opened as a SQLite database: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    let integrity: string;
    try {
      integrity = db.pragma('integrity_check', { simple: true }) as string;
    } catch (err) {
      throw new Error(`${path} is not a SQLite database: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (integrity !== 'ok') throw new Error(`${path} fails PRAGMA integrity_check: ${integrity}`);
    const hasTable = (name: string): boolean => db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined;
    if (!hasTable('kysely_migration') || !hasTable('accounts')) throw new Error(`${path} is not a Latchkey database (no migrations table or accounts)`);
    const applied = (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name);
    const known = Object.keys(await migrationProvider.getMigrations());
    const unknown = applied.filter((n) => !known.includes(n));
    if (unknown.length > 0) throw new Error(`${path} has migrations this version does not know (${unknown.join(', ')}): it comes from a newer Latchkey`);
    const migration = applied.at(-1);
    if (migration === undefined) throw new Error(`${path} is not a Latchkey database (no migration applied)`);
    const { n } = db.prepare('select count(*) as n from accounts').get() as { n: number };
    return { migration, accounts: n };
  } finally {
    db.close();
  }
}

/** A temporary name beside `file` (same directory, so the final rename is atomic). */
export function tempBeside(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

export const backupCommand: Command = {
  help: [
    'Usage: latchkey backup FILE [--force] [--json]',
    '',
    'Writes a consistent copy of the SQLite database at DATABASE_URL to FILE while servers keep',
    'serving (VACUUM INTO: one read transaction, writers are not blocked), checks it (integrity',
    'and migrations), then renames it into place. Refuses an existing FILE unless --force.',
    'PostgreSQL: refused; use pg_dump -Fc (docs/deploy.md, "Backups").',
    'With MASTER_KEY set the secrets in the copy stay encrypted: keep the key, not with the backup.',
  ].join('\n'),
  async run(args) {
    const { file, force, json } = parseFileArgs(args, 'backup');
    const source = sqliteFileOf(loadConfig().databaseUrl, 'backup');
    if (!existsSync(source)) throw new Error(`no database at ${source} (DATABASE_URL)`);
    if (file === source) throw new Error('FILE is the database itself');
    if (existsSync(file) && !force) throw new Error(`${file} exists; pass --force to overwrite it`);
    const temp = tempBeside(file);
    try {
      const db = new SQLite(source, { readonly: true, fileMustExist: true });
      try {
        db.pragma('busy_timeout = 5000');
        db.prepare('VACUUM INTO ?').run(temp);
      } finally {
        db.close();
      }
      const checked = await checkLatchkeyFile(temp);
      renameSync(temp, file);
      const bytes = statSync(file).size;
      process.stdout.write(
        json
          ? `${jsonText({ file, bytes, migration: checked.migration, accounts: checked.accounts })}\n`
          : `backup written to ${file} (${bytes} bytes, ${checked.accounts} accounts, schema ${checked.migration})\n`,
      );
      return 0;
    } finally {
      rmSync(temp, { force: true });
    }
  },
};
