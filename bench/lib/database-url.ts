/**
 * The database a one-off bench tool (cpu-cost.ts, profile.ts) runs Latchkey on: a fresh SQLite
 * file in `dir`, or with BENCH_DATABASE_URL a schema of its own on that PostgreSQL, dropped by
 * `drop()`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

export function benchDatabase(dir: string): { url: string; pgBase: string | undefined; drop(): Promise<void> } {
  const pgBase = process.env.BENCH_DATABASE_URL;
  if (!pgBase) return { url: `sqlite:${join(dir, 'bench.db')}`, pgBase, drop: async () => {} };
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(pgBase);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    pgBase,
    async drop() {
      const c = new pg.Client({ connectionString: pgBase });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}
