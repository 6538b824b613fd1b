/** Runs pending migrations; the same files serve SQLite and PostgreSQL. */
import { Migrator } from 'kysely';
import type { OpenedDatabase } from './connect.js';
import { migrationProvider } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
}

/** Brings the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(opened: OpenedDatabase): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: opened.db,
    provider: migrationProvider,
    ...(opened.schema ? { migrationTableSchema: opened.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** True when every known migration has been applied. */
export async function isSchemaCurrent(opened: OpenedDatabase): Promise<boolean> {
  const migrator = new Migrator({
    db: opened.db,
    provider: migrationProvider,
    ...(opened.schema ? { migrationTableSchema: opened.schema } : {}),
  });
  const migrations = await migrator.getMigrations();
  return migrations.every((m) => m.executedAt !== undefined);
}
