/**
 * The database as the maintenance commands open it: it must exist and be migrated. Only
 * `latchkey migrate` and `latchkey serve` create a database; any other command pointed at a
 * missing SQLite file says so instead of leaving an empty file behind (README, "Command line").
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { sqliteFileOf } from '../config/database.js';
import { isSchemaCurrent, openDatabase, type OpenedDatabase } from '../store/index.js';

/** Opens DATABASE_URL if it exists and its schema is current; otherwise throws a one-line Error. */
export async function openMigratedDatabase(config: Pick<Config, 'databaseUrl'>): Promise<OpenedDatabase> {
  const file = sqliteFileOf(config.databaseUrl);
  if (file !== null && !existsSync(file)) throw new Error(`no database at ${file} (DATABASE_URL); create it with latchkey migrate`);
  const database = await openDatabase(config.databaseUrl);
  try {
    if (!(await isSchemaCurrent(database))) throw new Error('the database schema is not current; run latchkey migrate first');
    return database;
  } catch (err) {
    await database.close();
    throw err;
  }
}
