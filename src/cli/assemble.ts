/**
 * The one place that wires Config -> store -> crypto -> service -> app. The CLI and the test
 * support both call it; tests swap in a fast hasher, a fake clock or a log stream.
 */
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { loadCommonPasswords } from '../config/password-list.js';
import { newSecret } from '../core/credentials/secrets.js';
import type { CorePolicy } from '../core/deps.js';
import type { Clock, PasswordHasher } from '../core/ports.js';
import { createAccountsService, type AccountsService } from '../core/service.js';
import { createArgon2Pool } from '../crypto/argon2-pool.js';
import { boundHasher, type BoundedHasher } from '../crypto/bounded-hasher.js';
import { createJwtSigner, type JwtSigner } from '../crypto/jwt-signer.js';
import { buildApp } from '../http/app.js';
import { loggerOptions } from '../http/logging.js';
import { createMaintenance, type Maintenance } from './maintenance.js';
import { createDevOutboxMailer } from '../mail/dev-outbox.js';
import { createSmtpMailer } from '../mail/mailer.js';
import { createOutboxSender, type OutboxSender } from '../mail/outbox-sender.js';
import { createOutboxQueue } from '../store/outbox.js';
import { createStores, isSchemaCurrent, migrateToLatest, openDatabase, type OpenedDatabase, type Stores } from '../store/index.js';

export interface AssembleOptions {
  hasher?: PasswordHasher;
  clock?: Clock;
  logStream?: Writable;
  /** Skip running migrations (the caller already did). */
  skipMigrations?: boolean;
  /** Start the outbox sender's polling loop (serve does; tests call `mail.flush()` instead). */
  startMailSender?: boolean;
  /** Start the periodic cleanup of expired rows (serve does; tests call `maintenance.runOnce()`). */
  startMaintenance?: boolean;
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
  /** The outbox sender: delivers queued email (SMTP_URL, or the dev outbox log). */
  mail: OutboxSender;
  /** The periodic cleanup of expired sessions, links and sent mail. */
  maintenance: Maintenance;
  /** Stops the mail sender, closes the app and the database. */
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
    passwordRules: { minLength: config.passwordMinLength, commonPasswords: loadCommonPasswords() },
    throttle: {
      freeFailures: config.loginFreeFailures,
      maxDelay: config.loginMaxDelay,
      ipFailuresPerMinute: config.loginIpFailuresPerMinute,
    },
    touchInterval: 60,
    confirmTokenTtl: config.confirmTokenTtl,
    resetTokenTtl: config.resetTokenTtl,
    resetMode: config.passwordResetMode,
    accountDomains: config.accountDomains,
  };
}

/** Opens the database, migrates it, and builds the service and the app. */
export async function assembleLatchkey(config: Config, options: AssembleOptions = {}): Promise<Latchkey> {
  const clock = options.clock ?? systemClock;
  const database = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  try {
    if (!options.skipMigrations) await migrateToLatest(database);
    const stores = createStores(database, clock);
    const serverKey = await stores.keys.getOrCreateSecret(stores.uow.db, 'server-key', newSecret, clock.now());
    const signer = await createJwtSigner({ uow: stores.uow, keys: stores.keys, clock, issuer: config.jwtIssuer });
    const hasher = boundHasher(
      options.hasher ?? createArgon2Pool(config.argon2, Math.min(config.hashThreads, config.hashConcurrency)),
      config.hashConcurrency,
      config.hashQueueLimit,
    );
    const service = createAccountsService({ ...stores, hasher, signer, clock, policy: corePolicy(config), serverKey });
    const app = buildApp({
      service,
      jwks: () => signer.jwks(),
      checkReady: () => isSchemaCurrent(database),
      logger: loggerOptions(config.logLevel, options.logStream),
      config,
    });
    const mailer = config.smtpUrl ? createSmtpMailer(config.smtpUrl, config.mailFrom) : createDevOutboxMailer(app.log);
    const mail = createOutboxSender({
      queue: createOutboxQueue(database.db, database.dialect),
      mailer,
      clock,
      log: app.log,
      context: { publicUrl: config.publicUrl },
      pollIntervalMs: config.outboxPollIntervalMs,
    });
    if (options.startMailSender) mail.start();
    const maintenance = createMaintenance(database, clock, app.log, config.cleanupIntervalMs);
    if (options.startMaintenance) maintenance.start();
    return {
      config,
      app,
      service,
      signer,
      hasher,
      stores,
      database,
      clock,
      mail,
      maintenance,
      async close() {
        await mail.stop();
        await maintenance.stop();
        mailer.close();
        await app.close();
        await hasher.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}
