/**
 * createTestInstance(): a real Latchkey (real database, real HTTP app, argon2id unless a test
 * asks for the fast hasher) with a fake clock and captured logs. Use `app.inject` for HTTP.
 */
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/index.js';
import { assembleLatchkey, type Latchkey } from '../../src/cli/assemble.js';
import type { PasswordHasher } from '../../src/core/credentials/ports.js';
import { createFakeClock, type FakeClock } from './clock.js';
import { createTestDatabase } from './database.js';
import { createFastHasher } from './fast-hasher.js';

export interface TestInstance {
  latchkey: Latchkey;
  app: Latchkey['app'];
  service: Latchkey['service'];
  clock: FakeClock;
  /** Every log line written so far (JSON strings). */
  logs: string[];
  /** Delivers every queued email that is due now (to `smtpUrl`, or the dev outbox log); resolves to the number sent. */
  flushOutbox(): Promise<number>;
  close(): Promise<void>;
}

export interface TestInstanceOptions {
  /** 'argon2' (default: the production argon2id pool at its floor parameters), 'fast', or a hasher object. */
  hasher?: 'argon2' | 'fast' | PasswordHasher;
  /** Extra environment, as the server would read it. */
  env?: Record<string, string>;
  /** Use a SQLite file instead of memory (ignored on PostgreSQL). */
  sqliteFile?: string;
  /** SMTP_URL for outgoing mail, e.g. `(await startMailbox()).url`; unset: the dev outbox. */
  smtpUrl?: string;
  /** Run the outbox sender's polling loop (off by default: call `flushOutbox()` instead). */
  startMailSender?: boolean;
}

/**
 * Every inject comes from 127.0.0.1 and the fake clock stands still, so the per-address sign-up
 * and mail-request limits (20 an hour) would trip suites that create many accounts. Tests of
 * those limits set REGISTRATION_PER_IP_HOUR / MAIL_REQUESTS_PER_IP_HOUR in `env`.
 */
export const NO_ADDRESS_LIMITS = { REGISTRATION_PER_IP_HOUR: '1000000', MAIL_REQUESTS_PER_IP_HOUR: '1000000' };

export async function createTestInstance(options: TestInstanceOptions = {}): Promise<TestInstance> {
  const database = createTestDatabase({ sqliteFile: options.sqliteFile });
  const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'info', PUBLIC_URL: 'http://localhost:3000', ...NO_ADDRESS_LIMITS, ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}), ...options.env });
  const clock = createFakeClock();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const hasher =
    typeof options.hasher === 'object'
      ? options.hasher
      : options.hasher === 'fast'
        ? createFastHasher()
        : undefined; // the production argon2id pool, built by assembleLatchkey
  // A PostgreSQL schema of another instance dropped during our migration is retried inside
  // migrateToLatest (src/store/migrate.ts); any start-up error here is real.
  const latchkey = await assembleLatchkey(config, { hasher, clock, logStream, startMailSender: options.startMailSender });
  await latchkey.app.ready();
  // The dummy hash starts at start-up; waiting for it keeps hash gauges and timings free of it.
  await latchkey.service.ready();
  return {
    latchkey,
    app: latchkey.app,
    service: latchkey.service,
    clock,
    logs,
    flushOutbox: () => latchkey.mail.flush(),
    async close() {
      await latchkey.close();
      await database.drop();
    },
  };
}
