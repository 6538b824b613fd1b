/**
 * The database a test uses: SQLite in memory, or, when TEST_DATABASE_URL is set, a fresh
 * PostgreSQL schema per instance (dropped on close), so parallel test files never collide.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  dialect: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

/** True when the PostgreSQL suite runs. */
export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** A fresh, isolated database URL. `file` makes a SQLite file instead of memory. */
export function createTestDatabase(options: { sqliteFile?: string } = {}): TestDatabase {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    return { url: `sqlite:${options.sqliteFile ?? ':memory:'}`, dialect: 'sqlite', drop: async () => {} };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    dialect: 'postgres',
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
