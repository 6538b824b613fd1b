/**
 * The one place that wires Config -> store -> crypto -> service -> app. The CLI and the test
 * support both call it; tests swap in a fast hasher, a fake clock or a log stream.
 */
import type { Writable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { boundAuditLog, type BoundedAuditLog } from '../core/audit/aggregate.js';
import { newId, newSecret } from '../core/credentials/secrets.js';
import { createAdminService, type AdminService } from '../core/admin/index.js';
import type { PasswordHasher } from '../core/credentials/ports.js';
import type { Clock } from '../core/ports.js';
import { createAccountsService, type AccountsService } from '../core/accounts-service.js';
import { createServiceAccess, type ServiceAccess } from '../core/service-access/index.js';
import { createArgon2Pool } from '../crypto/argon2-pool.js';
import { boundHasher, type BoundedHasher } from '../crypto/bounded-hasher.js';
import { withForeignHashes } from '../crypto/foreign-hashes.js';
import { createJwtSigner, type JwtSigner } from '../crypto/jwt-signer.js';
import { buildApp } from '../http/app.js';
import { createUi, LANGUAGES } from '../ui/index.js';
import { checkMailTemplates } from '../mail/templates/index.js';
import type { Metrics } from '../http/metrics/registry.js';
import { buildMetricsListener } from '../http/metrics/routes.js';
import { adminMailQueue, corePolicy, secondFactorDeps, systemClock } from './core-wiring.js';
import { createDevMailbox, devMailServed, mailRendererFor } from './dev-mailbox.js';
import { createLogger } from './logger.js';
import { createMaintenance, type Maintenance } from './maintenance.js';
import { wireOidc, type OidcWiring } from './oidc-wiring.js';
import { createOidcClientStore } from '../store/oidc-clients.js';
import { createDevOutboxMailer } from '../mail/dev-outbox.js';
import { createOutboxSender, type OutboxSender } from '../mail/outbox-sender.js';
import { createAuditLog } from '../store/audit.js';
import { countOutboxBacklog, createOutboxQueue, type OutboxQueue } from '../store/outbox.js';
import { countActiveSessions } from '../store/sessions.js';
import { createServiceKeyStore } from '../store/service-keys.js';
import { createStores, isDatabaseUnavailable, isSchemaCurrent, migrateToLatest, openDatabase, type OpenedDatabase, type Stores } from '../store/index.js';
import { prepareSecretsAtRest } from '../store/keys.js';
import type { RedisThrottleStore } from '../store/redis-throttle.js';
import type { AttachedSessionCache } from '../store/session-cache/index.js';

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
  /** Start the OIDC provider's jobs: back-channel logouts, key set checks (serve does; tests call `oidc.jobs.runOnce()`). */
  startOidcJobs?: boolean;
}

export interface Latchkey {
  config: Config;
  app: FastifyInstance;
  service: AccountsService;
  /** Service keys and introspection (README, service-to-service). */
  services: ServiceAccess;
  /** The admin flows (`latchkey user`, /api/v1/admin). */
  admin: AdminService;
  signer: JwtSigner;
  hasher: BoundedHasher;
  stores: Stores;
  database: OpenedDatabase;
  clock: Clock;
  /** The outbox sender: delivers queued email (SMTP_URL, or the dev outbox log). */
  mail: OutboxSender;
  /** The periodic cleanup of expired sessions, links and sent mail. */
  maintenance: Maintenance;
  /** The security event log (audit_events and `"type":"audit"` log lines), refusals folded into counts. */
  audit: BoundedAuditLog;
  /** The OpenID Connect provider (OIDC_PROVIDER=on), else null. */
  oidc: OidcWiring | null;
  /** Prometheus metrics; null when neither METRICS_TOKEN nor METRICS_PORT is set. */
  metrics: Metrics | null;
  /** The METRICS_PORT server (serving only /metrics), not yet listening; null without METRICS_PORT. */
  metricsListener: FastifyInstance | null;
  /** Stops the mail sender, closes the app, the database and the Redis connection (REDIS_URL). */
  close(): Promise<void>;
}


/** Opens the database, migrates it, and builds the service and the app. */
export async function assembleLatchkey(config: Config, options: AssembleOptions = {}): Promise<Latchkey> {
  const clock = options.clock ?? systemClock;
  // The logger exists before everything it serves: Redis, the audit log and the app all write to it.
  const log = createLogger(config, options.logStream);
  const database = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  let redisThrottle: RedisThrottleStore | null = null;
  let sessionCache: AttachedSessionCache | null = null;
  try {
    if (!options.skipMigrations) await migrateToLatest(database);
    // REDIS_URL: throttle and rate-limit counters live in Redis instead of login_throttle (docs/decisions.md).
    // Optional parts (Redis, metrics, SMTP) load their libraries only when configured: start-up.
    redisThrottle =
      config.redisUrl === null
        ? null
        : (await import('../store/redis-throttle.js')).createRedisThrottleStore(config.redisUrl, {
            prefix: config.redisPrefix,
            onDown: (message) => log.warn({ redis: message }, 'Redis unreachable: throttled requests get 503 until it is back'),
            onUp: () => log.info('Redis reachable again'),
          });
    // MASTER_KEY: a wrong key (or none for a sealed database) stops start-up here; clear secrets get sealed.
    await prepareSecretsAtRest(database.db, config.masterKey);
    const plainStores: Stores = redisThrottle
      ? { ...createStores(database, clock, config.masterKey), throttle: redisThrottle }
      : createStores(database, clock, config.masterKey);
    // Accepted session lookups are kept in memory (docs/decisions.md, "Session cache on PostgreSQL nodes";
    // on SQLite told of changes by the server's own connection: src/store/session-cache/sqlite-watch.ts).
    if (config.sessionCache.enabled) {
      const caches = await import('../store/session-cache/index.js');
      sessionCache = database.sqliteWriter
        ? await caches.attachSqliteSessionCache(plainStores, config.sessionCache, database.sqliteWriter)
        : await caches.attachSessionCache(plainStores, config.sessionCache, config.databaseUrl, {
            log: { warn: (obj, msg) => log.warn(obj, msg), info: (obj, msg) => log.info(obj, msg) },
            redis: config.redisUrl === null ? null : { url: config.redisUrl, prefix: config.redisPrefix },
          });
    }
    const stores = sessionCache?.stores ?? plainStores;
    const serverKey = await stores.keys.getOrCreateSecret(stores.uow.db, 'server-key', newSecret, clock.now());
    const signer = await createJwtSigner({ uow: stores.uow, keys: stores.keys, clock, issuer: config.jwtIssuer });
    // Imported hashes of other systems verify too and are replaced by argon2id at login (README).
    const hasher = boundHasher(
      withForeignHashes(options.hasher ?? argon2OnThreadPool(config, log)),
      config.hashConcurrency,
      config.hashQueueLimit,
    );
    // Refusals and a chain's rotations are folded into one counted row per key and window
    // (src/core/audit/aggregate.ts); `close()` writes the pending counts.
    const audit = boundAuditLog(
      createAuditLog(database.db, {
        clock,
        serverKey,
        log: { info: (obj, msg) => log.info(obj, msg), warn: (obj, msg) => log.warn(obj, msg) },
      }),
      {
        clock,
        serverKey,
        windowMs: config.auditAggregateWindow * 1000,
        sweepIntervalMs: Math.min(5000, config.auditAggregateWindow * 250),
        pad: (tx) => stores.tokens.voidForAccount(tx, newId(), 'reset', clock.now()),
      },
    );
    const coreDeps = {
      ...stores,
      hasher,
      signer,
      clock,
      policy: corePolicy(config),
      serverKey,
      audit,
      secondFactor: secondFactorDeps(config, serverKey),
      ...(sessionCache ? { sessionCache: sessionCache.cache } : {}),
    };
    const service = createAccountsService(coreDeps);
    const services = createServiceAccess({ ...coreDeps, serviceKeys: createServiceKeyStore() });
    const admin = createAdminService({ ...coreDeps, mail: adminMailQueue(createOutboxQueue(database.db, database.dialect)), oidcClients: createOidcClientStore() });
    // Catalogues, templates and brand for the pages and the emails (src/ui), loaded once.
    const ui = createUi({ brand: config.brand, publicUrl: config.publicUrl });
    const oidc = await wireOidc(config, coreDeps, service, log, ui);
    const metrics =
      config.metricsToken !== null || config.metricsPort !== null
        ? (await import('../http/metrics/registry.js')).createMetrics({
            hashLoad: () => hasher.load(),
            outboxBacklog: () => countOutboxBacklog(database.db),
            activeSessions: () => countActiveSessions(database.db, clock.now()),
          })
        : null;
    const mailRenderer = mailRendererFor(config, ui);
    // With TEMPLATES_DIR, every email in every language renders once now (a fifth of a second): a
    // broken override stops start-up here. The shipped templates are checked by the tests instead.
    if (config.brand.templatesDir !== null) checkMailTemplates(mailRenderer, LANGUAGES);
    const app = buildApp({
      ui,
      clock,
      ...(metrics ? { metrics } : {}),
      audit,
      service,
      services,
      admin,
      ...(devMailServed(config) ? { devMail: createDevMailbox(createOutboxQueue(database.db, database.dialect), mailRenderer) } : {}),
      ...(oidc ? { oidc } : {}),
      jwks: () => signer.jwks(),
      isOutage: isDatabaseUnavailable,
      checkReady: async () => (await isSchemaCurrent(database)) && (redisThrottle === null || (await redisThrottle.ping())),
      logger: log,
      config,
    });
    if (redisThrottle && !(await redisThrottle.waitUntilReady(2000))) app.log.warn('Redis (REDIS_URL) is not reachable yet: throttled requests get 503 until it is');
    const metricsListener = metrics && config.metricsPort !== null ? buildMetricsListener(metrics, app.log) : null;
    const mailer = config.smtpUrl
      ? (await import('../mail/mailer.js')).createSmtpMailer(config.smtpUrl, config.mailFrom)
      : createDevOutboxMailer(app.log);
    const mail = createOutboxSender({
      queue: createOutboxQueue(database.db, database.dialect),
      mailer,
      clock,
      log: app.log,
      renderer: mailRenderer,
      pollIntervalMs: config.outboxPollIntervalMs,
      maxBackoffMs: config.outboxMaxBackoffMs,
    });
    if (options.startMailSender) mail.start();
    const maintenance = createMaintenance(database, clock, app.log, config.cleanupIntervalMs, {
      auditRetentionMs: config.auditRetentionDays * 86_400_000,
    });
    if (options.startMaintenance) maintenance.start();
    if (options.startOidcJobs) oidc?.jobs.start();
    return {
      config,
      app,
      service,
      services,
      admin,
      signer,
      hasher,
      stores,
      database,
      clock,
      mail,
      maintenance,
      audit,
      oidc,
      metrics,
      metricsListener,
      async close() {
        await mail.stop();
        await maintenance.stop();
        await oidc?.jobs.stop();
        mailer.close();
        await metricsListener?.close();
        await app.close();
        await audit.close();
        await hasher.close();
        await sessionCache?.channel.close();
        await database.close();
        await redisThrottle?.close();
      },
    };
  } catch (err) {
    await sessionCache?.channel.close();
    await redisThrottle?.close();
    await database.close();
    throw err;
  }
}

/**
 * The server's argon2id: `HASH_THREADS` hashes at a time on libuv's pool, whose threads run at a
 * lower priority (src/crypto/argon2-pool.ts). Says so when libuv's pool is too small for
 * `HASH_THREADS` or its threads could not all be lowered (README, "Configuration").
 */
function argon2OnThreadPool(config: Config, log: FastifyBaseLogger): PasswordHasher & { close(): Promise<void> } {
  const pool = createArgon2Pool(config.argon2, Math.min(config.hashThreads, config.hashConcurrency));
  if (pool.concurrency < config.hashThreads) {
    log.warn({ hashThreads: config.hashThreads, hashing: pool.concurrency }, 'HASH_THREADS is above UV_THREADPOOL_SIZE - 1: set UV_THREADPOOL_SIZE to at least HASH_THREADS + 1');
  }
  void pool.prioritised.then(({ lowered, expected }) => {
    if (lowered.length < expected) log.warn({ lowered: lowered.length, threads: expected }, "not every thread of libuv's pool runs at a lower priority: password hashing may slow session checks during a login storm");
  });
  return pool;
}
