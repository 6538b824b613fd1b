/**
 * The session cache of a SQLite server (docs/decisions.md, "Session cache on PostgreSQL nodes",
 * *On SQLite*): the same cache (cache.ts) and guard (guard.ts) as a PostgreSQL node, with what
 * replaces the notification channel where there is one file and one server:
 *
 * - Changes written on this server's own connection, by the stores or by anything else (a
 *   statement by hand included): temporary triggers on that connection, the same conditions as
 *   PostgreSQL's (migration 2026-12-06T1000-session-change-notify), call back into this process
 *   while the statement runs; the account's entries are dropped at once and again when the
 *   connection is given back (after the statement, or after its transaction ended), so a read
 *   that overlapped the write is not kept.
 * - Changes committed by any other connection (`latchkey user` commands, a second process, the
 *   `sqlite3` shell): `PRAGMA data_version` on the writer connection changes only when another
 *   connection committed; it is read at the first lookup of each event-loop turn, and a change
 *   empties the cache. That is the rule the read connection's snapshot already follows
 *   (src/store/sqlite-snapshot.ts): a change made elsewhere is seen from the next turn on.
 *
 * Nothing can fall behind, so the cache is always trusted.
 */
import type SQLite from 'better-sqlite3';
import type { SessionCache } from './cache.js';
import type { SessionChannel } from './pg-channel.js';

const CALLBACK = 'latchkey_session_change';

/** The conditions of the PostgreSQL triggers, in SQLite (IS NOT compares NULLs as values). */
const TRIGGERS = [
  `create temp trigger if not exists latchkey_sessions_change after update on main.sessions for each row
     when old.revoked_at is not new.revoked_at or old.rotated_at is not new.rotated_at or old.replaced_by is not new.replaced_by
       or old.generation is not new.generation or old.chain_hash is not new.chain_hash or old.secret_hash is not new.secret_hash
       or old.account_id is not new.account_id or old.family_id is not new.family_id or old.kind is not new.kind
       or old.absolute_expires_at is not new.absolute_expires_at or new.idle_expires_at < old.idle_expires_at
     begin select ${CALLBACK}(old.account_id); end`,
  `create temp trigger if not exists latchkey_accounts_change after update on main.accounts for each row
     begin select ${CALLBACK}(old.id); end`,
  `create temp trigger if not exists latchkey_accounts_delete after delete on main.accounts for each row
     begin select ${CALLBACK}(old.id); end`,
];

export interface SqliteWriter {
  connection: SQLite.Database;
  onRelease(listener: () => void): void;
}

/**
 * Hooks `cache` to the writer connection (the tables must exist: after the migrations) and
 * returns the cache as lookups should use it, with a channel that is always listening.
 */
export function watchSqliteSessions(cache: SessionCache, writer: SqliteWriter): { cache: SessionCache; channel: SessionChannel } {
  const { connection } = writer;
  const pending = new Set<string>();
  connection.function(CALLBACK, { deterministic: false }, (accountId: unknown) => {
    const id = String(accountId);
    cache.invalidateAccount(id);
    pending.add(id);
    return null;
  });
  for (const trigger of TRIGGERS) connection.exec(trigger);
  writer.onRelease(() => {
    if (pending.size === 0) return;
    for (const id of pending) cache.invalidateAccount(id);
    pending.clear();
  });

  const dataVersion = connection.prepare('pragma data_version').pluck();
  let seen = dataVersion.get() as number;
  let checkedThisTurn = false;
  const endTurn = (): void => {
    checkedThisTurn = false;
  };
  /** At the first lookup of a turn: anything another connection committed empties the cache. */
  const sync = (): void => {
    if (checkedThisTurn) return;
    checkedThisTurn = true;
    setImmediate(endTurn);
    const version = dataVersion.get() as number;
    if (version !== seen) {
      seen = version;
      cache.invalidate('all');
    }
  };

  cache.confirm(Number.POSITIVE_INFINITY);
  const watched: SessionCache = {
    ...cache,
    get(key) {
      sync();
      return cache.get(key);
    },
    ticket() {
      sync();
      return cache.ticket();
    },
  };
  return { cache: watched, channel: { isListening: () => true, close: async () => {} } };
}
