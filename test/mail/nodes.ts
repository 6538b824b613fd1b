/**
 * Several Latchkey "nodes" on one database for the mail tests: each is a full assembled
 * instance (own connection pool, own sender) sharing a database URL and a fake clock, so a test
 * can restart a node or run two senders side by side. The database is dropped by `dropAll()`.
 */
import { Writable } from 'node:stream';
import { assembleLatchkey, type Latchkey } from '../../src/cli/assemble.js';
import { loadConfig } from '../../src/config/index.js';
import type { MailRequest } from '../../src/core/outbox/ports.js';
import type { OutboxRow } from '../../src/store/outbox.js';
import type { FakeClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createFastHasher } from '../support/fast-hasher.js';

/** Nodes sharing one test database. */
export interface Cluster {
  database: TestDatabase;
  logs: string[];
  /** Assembles one more node on the shared database. */
  startNode(): Promise<Latchkey>;
  /** Closes every node still open and drops the database. */
  dropAll(): Promise<void>;
}

/** A cluster on a fresh database (a SQLite file when `sqliteFile` is given and not on PostgreSQL). */
export function createCluster(clock: FakeClock, options: { smtpUrl?: string; sqliteFile?: string; env?: Record<string, string> } = {}): Cluster {
  const database = createTestDatabase({ sqliteFile: options.sqliteFile });
  const logs: string[] = [];
  const open = new Set<Latchkey>();
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return {
    database,
    logs,
    async startNode() {
      const config = loadConfig({
        DATABASE_URL: database.url,
        PUBLIC_URL: 'https://accounts.example.com',
        LOG_LEVEL: 'info',
        ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
        ...options.env,
      });
      const node = await assembleLatchkey(config, { hasher: createFastHasher(), clock, logStream });
      const close = node.close.bind(node);
      node.close = async () => {
        if (!open.delete(node)) return;
        await close();
      };
      open.add(node);
      return node;
    },
    async dropAll() {
      for (const node of [...open]) await node.close();
      await database.drop();
    },
  };
}

/** Queues a message the way the core does, through the Outbox port. */
export function enqueue(node: Latchkey, message: MailRequest): Promise<void> {
  return node.stores.outbox.enqueue(node.stores.uow.db, message);
}

/** Every outbox row, oldest first (with data, which only tests read). */
export function outboxRows(node: Latchkey): Promise<OutboxRow[]> {
  return node.database.db.selectFrom('outbox').selectAll().orderBy('created_at').orderBy('id').execute();
}
