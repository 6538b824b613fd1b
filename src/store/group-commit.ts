/**
 * Group commit for SQLite. One SQLite database has one writer, and on this kind of machine a
 * commit costs far more than the statements before it: every page a transaction touched is
 * written to the WAL with its own system calls (about 30 for a refresh, 245 of its 320 µs).
 * So the transactions asked for during one event-loop turn (the requests that arrived together)
 * and those asked for while a batch runs wait for the end of the turn and then run together, one
 * after another inside one transaction, each in its own savepoint:
 * - a unit that throws is rolled back to its savepoint alone, and its caller gets the error;
 * - every unit's caller hears of success only after the shared COMMIT, so a 2xx is never sent
 *   for a change that is not stored; if the COMMIT fails, every unit of the batch fails;
 * - a lone transaction runs as before (no savepoint), only at the end of the turn it was asked in.
 * (Started at once, a transaction would always run alone: its statements are synchronous, so it
 * ends before the next request's callback even runs.)
 * Units run strictly one after another, so each sees the ones before it: the same order a
 * single connection gives. PostgreSQL keeps one transaction per call (it groups commits itself).
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Tx, UnitOfWork } from '../core/ports.js';
import type { Database } from './schema.js';

/** The most units one shared transaction takes (bounds the wait of the last one). */
export const MAX_BATCH = 32;

interface Unit {
  fn: (tx: Tx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const SAVEPOINT = CompiledQuery.raw('savepoint latchkey_unit');
const RELEASE = CompiledQuery.raw('release latchkey_unit');
const ROLLBACK_TO = CompiledQuery.raw('rollback to latchkey_unit');

/** A UnitOfWork over a SQLite Kysely database that commits concurrent transactions together. */
export function createGroupCommitUnitOfWork(db: Kysely<Database>): UnitOfWork {
  let waiting: Unit[] = [];
  let running = false;
  let scheduled = false;

  const runAlone = async (unit: Unit): Promise<void> => {
    try {
      unit.resolve(await db.transaction().execute((trx) => unit.fn(trx as unknown as Tx)));
    } catch (error) {
      unit.reject(error);
    }
  };

  const runTogether = async (units: Unit[]): Promise<void> => {
    const outcomes: Outcome[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        for (const unit of units) {
          await trx.executeQuery(SAVEPOINT);
          try {
            const value = await unit.fn(trx as unknown as Tx);
            await trx.executeQuery(RELEASE);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await trx.executeQuery(ROLLBACK_TO);
            await trx.executeQuery(RELEASE);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The shared transaction did not commit: nothing of any unit is stored.
      for (const unit of units) unit.reject(error);
      return;
    }
    units.forEach((unit, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  };

  const drain = async (): Promise<void> => {
    scheduled = false;
    running = true;
    try {
      while (waiting.length > 0) {
        const batch = waiting.slice(0, MAX_BATCH);
        waiting = waiting.slice(batch.length);
        await (batch.length === 1 ? runAlone(batch[0]!) : runTogether(batch));
      }
    } finally {
      running = false;
    }
  };

  return {
    db: db as unknown as Tx,
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push({ fn, resolve: resolve as (value: unknown) => void, reject });
        if (!running && !scheduled) {
          scheduled = true;
          setImmediate(drain);
        }
      });
    },
  };
}
