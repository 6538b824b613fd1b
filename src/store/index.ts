/** Every store over one opened database. */
import type { AccountStore, KeyStore, SessionStore, UnitOfWork } from '../core/ports.js';
import { createAccountStore } from './accounts.js';
import type { OpenedDatabase } from './connect.js';
import { createUnitOfWork } from './handle.js';
import { createKeyStore } from './keys.js';
import { createSessionStore } from './sessions.js';

export interface Stores {
  uow: UnitOfWork;
  accounts: AccountStore;
  sessions: SessionStore;
  keys: KeyStore;
}

/** Builds the stores for an opened database. */
export function createStores(opened: OpenedDatabase): Stores {
  return {
    uow: createUnitOfWork(opened.db),
    accounts: createAccountStore(),
    sessions: createSessionStore(opened.dialect),
    keys: createKeyStore(),
  };
}

export { openDatabase, type OpenedDatabase, type DialectName } from './connect.js';
export { migrateToLatest, isSchemaCurrent } from './migrate.js';
export { isDatabaseUnavailable } from './db-errors.js';
