/**
 * Session checks on a SQLite file read through a second, read-only connection, synchronously and
 * without Kysely's writer mutex (WAL: a reader sees committed data only).
 *
 * In WAL mode every read transaction takes and drops a lock on the shared-memory index and stats
 * the file: two fcntl calls and an fstat, about 6 µs of a 10 µs lookup on this machine. So reads
 * share one read transaction (a snapshot) until the end of the current event-loop turn, or until
 * the writer connection is used, whichever comes first:
 * - a request always arrives in a later turn than the answer it follows, so it never sees a
 *   snapshot older than what that answer told its client (a logout is refused at once);
 * - anything this process writes ends the snapshot when the writer is released, so a read after
 *   a write in the same turn sees it; nothing uncommitted is ever seen.
 * Rows come back as arrays (`raw`) and are made into objects by a function generated once per
 * statement from its column names: better-sqlite3's own row objects cost about 5 µs more per
 * 24-column row, a loop over the names about 2.5 µs more.
 */
import SQLite from 'better-sqlite3';
import { boundedCache } from './bounded-cache.js';

/** One cached statement on the read connection. */
export interface SnapshotStatement {
  /** The first row for `params`, or undefined. */
  get(params: readonly unknown[]): Record<string, unknown> | undefined;
}

export interface SnapshotReader {
  statement(sql: string): SnapshotStatement;
  /** Ends the shared read transaction now; the next read starts a fresh one. */
  invalidate(): void;
  close(): void;
}

const STATEMENT_CACHE_SIZE = 100;

/**
 * The page cache of each connection to a SQLite file: SQLite's own default of 2 MiB, where
 * better-sqlite3 raises it to 16 MB per connection. Latchkey's two connections grew their caches
 * toward the size of the database under load (about 17 MiB of the process's peak in the
 * benchmark's mixed workload); a page missing from it is read from the operating system's cache
 * (docs/decisions.md, *Speed*, "Peak memory in the mixed workload").
 */
export const PAGE_CACHE_PRAGMA = 'cache_size = -2000';

/**
 * `(values) => ({ name0: values[0], ... })` for these column names. The names come from our own
 * compiled queries, and each is written as a JSON string literal, so no name can change the code.
 */
function rowMaker(columns: string[]): (values: unknown[]) => Record<string, unknown> {
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(', ');
  return new Function('values', `return { ${fields} };`) as (values: unknown[]) => Record<string, unknown>;
}

export function openSnapshotReader(path: string): SnapshotReader {
  const db = new SQLite(path, { readonly: true });
  db.pragma('busy_timeout = 5000');
  db.pragma(PAGE_CACHE_PRAGMA);
  const begin = db.prepare('begin');
  const commit = db.prepare('commit');
  let endScheduled = false;

  const end = (): void => {
    if (db.inTransaction) commit.run();
  };
  const endOfTurn = (): void => {
    endScheduled = false;
    end();
  };
  const ensureSnapshot = (): void => {
    if (db.inTransaction) return;
    begin.run();
    if (!endScheduled) {
      endScheduled = true;
      setImmediate(endOfTurn);
    }
  };

  const prepare = (sql: string): SnapshotStatement => {
    const statement = db.prepare(sql).raw(true);
    const toRow = rowMaker(statement.columns().map((c) => c.name));
    return {
      get(params) {
        ensureSnapshot();
        const values = statement.get(...params) as unknown[] | undefined;
        return values === undefined ? undefined : toRow(values);
      },
    };
  };

  return {
    statement: boundedCache(STATEMENT_CACHE_SIZE, prepare),
    invalidate: end,
    close() {
      end();
      db.close();
    },
  };
}
