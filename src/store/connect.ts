/**
 * Opens the database named by DATABASE_URL: `sqlite:<path>` (WAL, foreign keys, busy timeout,
 * write transactions begun IMMEDIATE so two writers queue instead of failing), `sqlite::memory:`,
 * or `postgres://...` (a pool; bigint read back as numbers). A `?schema=NAME` parameter on a
 * PostgreSQL URL puts every table in that schema, which tests use to run in isolation.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection } from 'kysely';
import type pg from 'pg';
import { boundedCache } from './bounded-cache.js';
import { statementName } from './handle.js';
import type { Database } from './schema.js';
import { openSnapshotReader, PAGE_CACHE_PRAGMA, type SnapshotStatement } from './sqlite-snapshot.js';

export type DialectName = 'sqlite' | 'postgres';

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The PostgreSQL schema in use, when the URL named one. */
  schema: string | undefined;
  /**
   * SQLite files only: a cached statement on a second, read-only connection (sqlite-snapshot.ts).
   * Hot reads outside a transaction use it synchronously, without waiting for the writer
   * connection, and see committed data only.
   */
  reader?: (sql: string) => SnapshotStatement;
  /**
   * SQLite only: the writer connection itself, and a way to hear each time it is given back
   * (after a statement outside a transaction, or after a transaction's end). The session cache
   * of a SQLite server (src/store/session-cache/sqlite-watch.ts) hooks both.
   */
  sqliteWriter?: { connection: SQLite.Database; onRelease(listener: () => void): void };
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/** Begins write transactions IMMEDIATE; tells `onRelease` each time the writer connection is given back (after a statement or a transaction). */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #onRelease: () => void;
  constructor(database: SQLite.Database, onRelease: () => void) {
    super({ database });
    this.#onRelease = onRelease;
  }
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  override async releaseConnection(): Promise<void> {
    this.#onRelease();
    await super.releaseConnection();
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #database: SQLite.Database;
  readonly #onRelease: () => void;
  constructor(database: SQLite.Database, onRelease: () => void = () => {}) {
    super({ database });
    this.#database = database;
    this.#onRelease = onRelease;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.#database, this.#onRelease);
  }
}

const INT8_OID = 20;
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every SQLite statement anew; preparing costs about as much as running a
 * point lookup. This keeps prepared statements by SQL text (bounded), which is safe because
 * Kysely's SQLite driver runs one statement at a time on its single connection.
 */
function withStatementCache(database: SQLite.Database): SQLite.Database {
  const prepare = boundedCache(STATEMENT_CACHE_SIZE, (source) => database.prepare(source));
  return new Proxy(database, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Opens a database from a DATABASE_URL. */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<OpenedDatabase> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  return openPostgres(url, options);
}

function openSqlite(path: string): OpenedDatabase {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new SQLite(inMemory ? ':memory:' : path);
  if (!inMemory) database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const releaseListeners: Array<() => void> = [];
  const released = (): void => {
    for (const listener of releaseListeners) listener();
  };
  const sqliteWriter = { connection: database, onRelease: (listener: () => void) => void releaseListeners.push(listener) };
  if (inMemory) {
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(withStatementCache(database), released) });
    return { db, dialect: 'sqlite', schema: undefined, sqliteWriter, close: () => db.destroy() };
  }
  database.pragma(PAGE_CACHE_PRAGMA); // not for :memory:, where the cache holds the whole database
  // Anything written on the writer ends the readers' shared snapshot, so it is seen at once.
  const snapshots = openSnapshotReader(path);
  releaseListeners.push(snapshots.invalidate);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(withStatementCache(database), released) });
  return {
    db,
    dialect: 'sqlite',
    schema: undefined,
    reader: (sql) => snapshots.statement(sql),
    sqliteWriter,
    // The read connection closes first, so that the writer is the file's last connection: SQLite
    // then checkpoints the WAL into the database file and removes it (a read-only connection
    // cannot), and a stopped server leaves one self-contained file (docs/decisions.md, "Peak memory").
    close: async () => {
      snapshots.close();
      await db.destroy();
    },
  };
}

async function openPostgres(url: string, options: OpenOptions): Promise<OpenedDatabase> {
  // Loaded here: a SQLite deployment never loads the PostgreSQL client (start-up time).
  const { default: pgClient } = await import('pg');
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('DATABASE_URL schema must be a lower-case SQL identifier');
  }
  const pool = new pgClient.Pool({
    connectionString: parsed.toString(),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    options: schema ? `-c search_path=${schema}` : undefined,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pgClient.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A client losing its connection (database restart, network cut) must not crash the process:
  // idle clients report to the pool, checked-out ones to their own listener. The query in flight
  // fails (503), and the pool drops the broken client when it is released.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    nameHotStatements(client);
  });
  if (schema) {
    // Nodes starting together may race here; PostgreSQL can then report the schema as a duplicate.
    await pool.query(`create schema if not exists ${schema}`).catch((err: { code?: string }) => {
      if (err.code !== '23505' && err.code !== '42P06') throw err;
    });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', schema, close: () => db.destroy() };
}

/**
 * Runs the statements prepared() compiled once as named prepared statements on this client, so
 * PostgreSQL parses and plans each once per connection (a session check's join was planned on
 * every request). Should the server refuse a cached plan anyway (code 0A000, a result type
 * changed under it), that statement runs unnamed on this client from then on.
 */
function nameHotStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const unnamed = new Set<string>();
  const named = (text: unknown, values?: unknown, ...rest: unknown[]): Promise<unknown> => {
    const name = typeof text === 'string' && rest.length === 0 && !unnamed.has(text) ? statementName(text) : undefined;
    if (name === undefined) return query(text, values, ...rest);
    return query({ name, text, values }).catch((err: { code?: string }) => {
      if (err?.code !== '0A000') throw err;
      unnamed.add(text as string);
      throw err;
    });
  };
  (client as unknown as { query: typeof named }).query = named;
}
