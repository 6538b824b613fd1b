/** Converts the core's opaque Tx back into the Kysely handle it was made from. */
import type { Kysely } from 'kysely';
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
