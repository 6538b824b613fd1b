/**
 * The one place that wires Config -> store -> crypto -> service -> app. The CLI and the test
 * support both call it; tests swap in a fast hasher, a fake clock or a log stream.
 */
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { newSecret } from '../core/credentials/secrets.js';
import type { CorePolicy } from '../core/deps.js';
import type { Clock, PasswordHasher } from '../core/ports.js';
import { createAccountsService, type AccountsService } from '../core/service.js';
import { createArgon2Hasher } from '../crypto/argon2-hasher.js';
import { boundHasher, type BoundedHasher } from '../crypto/bounded-hasher.js';
import { createJwtSigner, type JwtSigner } from '../crypto/jwt-signer.js';
import { buildApp } from '../http/app.js';
import { loggerOptions } from '../http/logging.js';
import { createStores, isSchemaCurrent, migrateToLatest, openDatabase, type OpenedDatabase, type Stores } from '../store/index.js';

export interface AssembleOptions {
  hasher?: PasswordHasher;
  clock?: Clock;
  logStream?: Writable;
  /** Skip running migrations (the caller already did). */
  skipMigrations?: boolean;
}

export interface Latchkey {
  config: Config;
  app: FastifyInstance;
  service: AccountsService;
  signer: JwtSigner;
  hasher: BoundedHasher;
  stores: Stores;
  database: OpenedDatabase;
  clock: Clock;
  /** Closes the app and the database. */
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The core's policy numbers from the configuration. */
export function corePolicy(config: Config): CorePolicy {
  return {
    accessTokenTtl: config.accessTokenTtl,
    refreshIdleTtl: config.refreshIdleTtl,
    refreshAbsoluteTtl: config.refreshAbsoluteTtl,
    refreshReuseGrace: config.refreshReuseGrace,
    sessionIdleTtl: config.sessionIdleTtl,
    sessionAbsoluteTtl: config.sessionAbsoluteTtl,
    passwordMinLength: config.passwordMinLength,
    touchInterval: 60,
    confirmTokenTtl: config.confirmTokenTtl,
    resetTokenTtl: config.resetTokenTtl,
    resetMode: config.passwordResetMode,
  };
}

/** Opens the database, migrates it, and builds the service and the app. */
export async function assembleLatchkey(config: Config, options: AssembleOptions = {}): Promise<Latchkey> {
  const clock = options.clock ?? systemClock;
  const database = await openDatabase(config.databaseUrl);
  try {
    if (!options.skipMigrations) await migrateToLatest(database);
    const stores = createStores(database, clock);
    const serverKey = await stores.keys.getOrCreateSecret(stores.uow.db, 'server-key', newSecret, clock.now());
    const signer = await createJwtSigner({ uow: stores.uow, keys: stores.keys, clock, issuer: config.jwtIssuer });
    const hasher = boundHasher(options.hasher ?? createArgon2Hasher(config.argon2), config.hashConcurrency, config.hashQueueLimit);
    const service = createAccountsService({ ...stores, hasher, signer, clock, policy: corePolicy(config), serverKey });
    const app = buildApp({
      service,
      jwks: () => signer.jwks(),
      checkReady: () => isSchemaCurrent(database),
      logger: loggerOptions(config.logLevel, options.logStream),
    });
    return {
      config,
      app,
      service,
      signer,
      hasher,
      stores,
      database,
      clock,
      async close() {
        await app.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}
