/**
 * Database lookups behind bearer session checks on PostgreSQL with the session cache on and off:
 * one in-process Latchkey per mode (test support, fast hasher) on a schema of its own, one login,
 * 2,000 sequential checks of its access token, and the index and sequential scans of that
 * schema's sessions table they caused (pg_stat_user_tables, read after the statistics flush).
 * `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/micro/session-cache-pg.ts`
 */
import pg from 'pg';
import { createTestInstance } from '../../test/support/instance.js';

const CHECKS = 2000;
const base = process.env.TEST_DATABASE_URL;
if (!base) throw new Error('TEST_DATABASE_URL is not set');
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 2000)); // statistics flush at most once a second

for (const mode of ['on', 'off']) {
  const t = await createTestInstance({ hasher: 'fast', env: { SESSION_CACHE: mode } });
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await t.service.registerAccount({ username: 'cached', password: 'cached-password-1' });
    const pair = await t.service.loginForTokens('cached', 'cached-password-1', { ip: '127.0.0.1', userAgent: 'micro' });
    const schema = new URL(t.latchkey.config.databaseUrl).searchParams.get('schema');
    const scans = async (): Promise<number> =>
      Number((await c.query(`select coalesce(idx_scan, 0) + coalesce(seq_scan, 0) as n from pg_stat_user_tables where schemaname = $1 and relname = 'sessions'`, [schema])).rows[0]?.n ?? 0);
    await settle();
    const before = await scans();
    const started = performance.now();
    for (let i = 0; i < CHECKS; i++) await t.service.resolveAccessToken(pair.access);
    const ms = performance.now() - started;
    await settle();
    console.log(`SESSION_CACHE=${mode}: ${CHECKS} bearer checks in ${ms.toFixed(0)} ms; scans of sessions: ${(await scans()) - before}`);
  } finally {
    await c.end();
    await t.close();
  }
}
