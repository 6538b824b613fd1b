/** Runs pending migrations; the same files serve SQLite and PostgreSQL. */
import { Migrator } from 'kysely';
import type { OpenedDatabase } from './connect.js';
import { migrationProvider } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
}

/**
 * Kysely's migrator looks up its tables across every schema of the database (its PostgreSQL
 * introspection lists every table and calls `pg_get_serial_sequence('<schema>.<table>', ...)` on
 * each). When another schema is dropped at that moment (test instances, other tenants),
 * PostgreSQL fails the lookup with `schema "<other>" does not exist` or `relation
 * "<other>.<table>" does not exist`. Such an error is about a schema that is not ours. When a table
 * of another schema is being created or dropped, the lookup can also fail with `column "<c>" of
 * relation "<table>" does not exist`, which names no schema: it counts only outside any migration
 * (`migration (unknown)`), since a migration of ours naming a missing column fails under its own name.
 */
export function namesForeignSchema(message: string, ownSchema: string | undefined): boolean {
  if (/^migration \(unknown\) failed: column "[^"]+" of relation "[^".]+" does not exist/.test(message)) return true;
  const named =
    /schema "([^"]+)" does not exist/.exec(message)?.[1] ?? /relation "([^".]+)\.[^"]+" does not exist/.exec(message)?.[1];
  return named !== undefined && named !== ownSchema;
}

/** Retries a step that failed only because another schema was dropped meanwhile; other errors are real and thrown. */
async function retryingForeignSchemaDrops<T>(opened: OpenedDatabase, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (opened.dialect !== 'postgres' || !namesForeignSchema(message, opened.schema) || attempt >= 5) throw err;
    }
  }
}

/** Brings the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(opened: OpenedDatabase): Promise<MigrationReport> {
  return retryingForeignSchemaDrops(opened, () => migrateOnce(opened));
}

async function migrateOnce(opened: OpenedDatabase): Promise<MigrationReport> {
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
  const migrations = await retryingForeignSchemaDrops(opened, () => migrator.getMigrations());
  return migrations.every((m) => m.executedAt !== undefined);
}
