/** Converts the core's opaque Tx back into the Kysely handle it was made from. */
import type { CompiledQuery, Kysely } from 'kysely';
import type { Tx, UnitOfWork } from '../core/ports.js';
import type { Database } from './schema.js';

/** The Kysely handle behind a Tx (the database or a transaction). */
export function q(tx: Tx): Kysely<Database> {
  return tx as unknown as Kysely<Database>;
}

/** A UnitOfWork over a Kysely database. */
export function createUnitOfWork(db: Kysely<Database>): UnitOfWork {
  return {
    db: db as unknown as Tx,
    transaction: (fn) => db.transaction().execute((trx) => fn(trx as unknown as Tx)),
  };
}

/**
 * A query compiled once and run with new parameters: for the hot read paths (a session check on
 * every request), where building and compiling the query would cost more than running it.
 * `build` must produce the query with placeholder values in the order `run` passes them.
 */
export function precompiled<Row>(
  build: (db: Kysely<Database>) => { compile(): CompiledQuery<Row> },
): (tx: Tx, ...parameters: unknown[]) => Promise<Row | undefined> {
  let compiled: CompiledQuery<Row> | undefined;
  return async (tx, ...parameters) => {
    const db = q(tx);
    compiled ??= build(db).compile();
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows[0];
  };
}
