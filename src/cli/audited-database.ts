/**
 * What the credential commands (`latchkey service`, `latchkey client`, `latchkey keys`) share:
 * open DATABASE_URL (the schema must be current), build the stores and an audit log that writes
 * rows like the user commands'. runAudited also prints one answer, and an INVALID_INPUT from the
 * core is a usage error (exit 2).
 */
import { loadConfig, type Config } from '../config/index.js';
import { newSecret } from '../core/credentials/secrets.js';
import type { AuditLog } from '../core/audit/ports.js';
import { AuthError } from '../core/errors.js';
import { createAuditLog } from '../store/audit.js';
import { createStores, type Stores } from '../store/index.js';
import { UsageError } from './command.js';
import { openMigratedDatabase } from './database.js';
import { systemClock } from './core-wiring.js';

/** Runs `use` with the stores, an audit log and the configuration; the database is closed after. */
export async function withAuditedStores<T>(use: (stores: Stores, audit: AuditLog, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openMigratedDatabase(config);
  try {
    const stores = createStores(database, systemClock, config.masterKey);
    const serverKey = await stores.keys.getOrCreateSecret(stores.uow.db, 'server-key', newSecret, systemClock.now());
    const audit = createAuditLog(database.db, { clock: systemClock, serverKey, log: { info: () => {}, warn: () => {} } });
    return await use(stores, audit, config);
  } finally {
    await database.close();
  }
}

/** Runs `answer` with the stores and an audit log, prints what it returns; resolves to exit status 0. */
export function runAudited(answer: (stores: Stores, audit: AuditLog) => Promise<string>): Promise<number> {
  return withAuditedStores(async (stores, audit) => {
    try {
      process.stdout.write(`${await answer(stores, audit)}\n`);
      return 0;
    } catch (err) {
      if (err instanceof AuthError && err.code === 'INVALID_INPUT') throw new UsageError(err.message);
      throw err; // NOT_FOUND and anything else: one line, exit status 1
    }
  });
}
