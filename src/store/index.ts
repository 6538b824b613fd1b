/** Every store over one opened database. */
import type { MasterKey } from '../core/secrets/master-key.js';
import type { AccountStore } from '../core/accounts/ports.js';
import type { ThrottleStore } from '../core/credentials/ports.js';
import type { OneTimeTokenStore } from '../core/email-flows/ports.js';
import type { Outbox } from '../core/outbox/ports.js';
import type { Clock, UnitOfWork } from '../core/ports.js';
import type { PromoStore } from '../core/promo/ports.js';
import type { SessionStore } from '../core/sessions/ports.js';
import type { KeyStore } from '../core/tokens/ports.js';
import { createAccountStore } from './accounts.js';
import type { OpenedDatabase } from './connect.js';
import { createGroupCommitUnitOfWork } from './group-commit.js';
import { createUnitOfWork } from './handle.js';
import { createKeyStore } from './keys.js';
import { createOneTimeTokenStore } from './one-time-tokens.js';
import { createOutbox } from './outbox.js';
import { createPromoStore } from './promos.js';
import { createSessionStore } from './sessions.js';
import { createThrottleStore } from './throttle.js';

export interface Stores {
  uow: UnitOfWork;
  accounts: AccountStore;
  sessions: SessionStore;
  keys: KeyStore;
  tokens: OneTimeTokenStore;
  promos: PromoStore;
  outbox: Outbox;
  throttle: ThrottleStore;
}

/** Builds the stores for an opened database. */
export function createStores(opened: OpenedDatabase, clock: Clock, masterKey: MasterKey | null = null): Stores {
  const groupCommit = opened.dialect === 'sqlite' ? createGroupCommitUnitOfWork(opened.db) : null;
  return {
    uow: groupCommit ?? createUnitOfWork(opened.db),
    accounts: createAccountStore({ postgres: opened.dialect === 'postgres' }),
    sessions: createSessionStore(opened, groupCommit ? { groupCommit } : {}),
    keys: createKeyStore(masterKey),
    tokens: createOneTimeTokenStore(),
    promos: createPromoStore(),
    outbox: createOutbox(clock),
    throttle: createThrottleStore(),
  };
}

export { openDatabase, type OpenedDatabase, type DialectName } from './connect.js';
export { migrateToLatest, isSchemaCurrent } from './migrate.js';
export { isDatabaseUnavailable } from './db-errors.js';
export { countIdentifierCollisions } from './accounts.js';
