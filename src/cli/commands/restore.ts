/**
 * `latchkey restore FILE`: puts a backup (`latchkey backup`) back as the SQLite database at
 * DATABASE_URL. FILE is checked first (integrity, a Latchkey migrations table with migrations
 * this build knows). Refused while any process has the database open: a server keeps its
 * connections open in WAL mode, and SQLite's WAL mode holds a shared lock on the database file
 * for as long as a connection is open, so a connection in `locking_mode = EXCLUSIVE` cannot
 * take its exclusive lock (`BEGIN EXCLUSIVE` answers SQLITE_BUSY). The OS drops those locks when
 * a process dies, so a crashed server leaves no stale marker behind. The lock is held while FILE
 * is copied beside the database; the old database is kept as `<database>.before-restore-<time>`.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../../config/index.js';
import { jsonText, type Command } from '../command.js';
import { checkLatchkeyFile, parseFileArgs, sqliteFileOf, tempBeside } from './backup.js';

/**
 * Takes an exclusive lock on the SQLite file at `path`, or returns null when another connection
 * (a running server, another node, a sqlite3 shell) has it open. Closing the returned handle
 * checkpoints the WAL into the file and releases the lock.
 */
export function lockExclusively(path: string): SQLite.Database | null {
  const db = new SQLite(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return null;
    throw err;
  }
}

export const restoreCommand: Command = {
  help: [
    'Usage: latchkey restore FILE [--json]',
    '',
    'Replaces the SQLite database at DATABASE_URL with the backup FILE, after checking FILE',
    '(PRAGMA integrity_check, and migrations this version knows). Refused while a server or any',
    'other process has the database open: stop every node first. The replaced database is kept',
    'beside it as <database>.before-restore-<time>. Start with the MASTER_KEY the backup was',
    'taken under, if it was. PostgreSQL: use pg_restore (docs/deploy.md, "Backups").',
  ].join('\n'),
  async run(args) {
    const { file, json } = parseFileArgs(args, 'restore');
    const target = sqliteFileOf(loadConfig(process.env, { sqliteFolderMayBeMissing: true }).databaseUrl, 'restore');
    if (file === target) throw new Error('FILE is the database itself');
    const checked = await checkLatchkeyFile(file);
    mkdirSync(dirname(target), { recursive: true });
    const temp = tempBeside(target);
    let kept: string | null = null;
    try {
      const lock = existsSync(target) ? lockExclusively(target) : null;
      if (existsSync(target) && lock === null) {
        throw new Error(`${target} is open in another process (a running server?): stop every node using it, then restore`);
      }
      try {
        copyFileSync(file, temp);
      } finally {
        lock?.close();
      }
      if (existsSync(target)) {
        kept = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        renameSync(target, kept);
      }
      // A WAL or shared-memory file left beside the path belongs to the old database.
      rmSync(`${target}-wal`, { force: true });
      rmSync(`${target}-shm`, { force: true });
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
    process.stdout.write(
      json
        ? `${jsonText({ restored: target, from: file, migration: checked.migration, accounts: checked.accounts, previous: kept })}\n`
        : `restored ${target} from ${file} (${checked.accounts} accounts, schema ${checked.migration})${kept ? `; the previous database is kept as ${kept}` : ''}\n`,
    );
    return 0;
  },
};
