/**
 * What the storage test files share: the backends they run on (SQLite always, PostgreSQL when
 * TEST_DATABASE_URL is set), a migrated database with its stores for a suite, and rows to store.
 */
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import type { NewAccount } from '../../src/core/accounts/ports.js';
import type { Session } from '../../src/core/sessions/ports.js';
import { createStores, migrateToLatest, openDatabase, type OpenedDatabase, type Stores } from '../../src/store/index.js';
import { createFakeClock } from './clock.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const backends: Array<{ name: string; make: () => TestDatabase | null }> = [
  {
    name: 'SQLite',
    make: () => ({ url: 'sqlite::memory:', dialect: 'sqlite', drop: async () => {} }),
  },
  {
    name: 'PostgreSQL',
    make: () => (process.env.TEST_DATABASE_URL ? createTestDatabase() : null),
  },
];

export function newAccount(name: string, email: string | null = null): NewAccount {
  return {
    id: randomUUID(),
    username: name,
    usernameKey: name.toLowerCase(),
    email,
    emailKey: email?.toLowerCase() ?? null,
    passwordHash: '$fast$x$y',
    status: 'active',
    createdAt: 1_795_000_000_123,
  };
}

export function newSession(accountId: string, familyId?: string): Session {
  const id = randomUUID();
  return {
    id,
    secretHash: randomUUID(),
    accountId,
    kind: 'token',
    familyId: familyId ?? id,
    createdAt: 1000,
    lastSeenAt: 1000,
    idleExpiresAt: 10_000,
    absoluteExpiresAt: 20_000,
    rotatedAt: null,
    replacedBy: null,
    revokedAt: null,
    ip: '127.0.0.1',
    userAgent: 'test',
    generation: 0,
    chainHash: null,
    chainAt: null,
  };
}

/** In a suite: opens and migrates `database` before its tests and hands it and its stores to `use`; closes and drops it after. */
export function withStorage(database: TestDatabase, use: (opened: OpenedDatabase, stores: Stores) => void): void {
  let opened: OpenedDatabase | undefined;
  before(async () => {
    opened = await openDatabase(database.url);
    await migrateToLatest(opened);
    use(opened, createStores(opened, createFakeClock()));
  });
  after(async () => {
    await opened?.close();
    await database.drop();
  });
}
