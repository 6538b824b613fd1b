/** Converts the core's opaque Tx back into the Kysely handle it was made from. */
import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
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

const SLOT = '\u0000latchkey-slot:';

/**
 * The SQL of every statement compiled once by prepared(): a fixed, small set, which the
 * PostgreSQL connection runs as named prepared statements (parsed and planned once per
 * connection instead of on every call). Ad-hoc queries stay unnamed.
 */
const statementNames = new Map<string, string>();

/** The prepared-statement name of `sql` when prepared() compiled it, else undefined. */
export function statementName(sql: string): string | undefined {
  return statementNames.get(sql);
}

type Build<Args, Row> = (db: Kysely<Database>, slot: <K extends keyof Args & string>(name: K) => Args[K]) => { compile(): CompiledQuery<Row> };

/** Compiles `build` once (on first use) and fills its slots with each call's values. */
function slotted<Args extends Record<string, unknown>, Row>(build: Build<Args, Row>) {
  let compiled: CompiledQuery<Row> | undefined;
  let slots: Array<string | null> = [];
  return (db: Kysely<Database>, args: Args): { compiled: CompiledQuery<Row>; parameters: unknown[] } => {
    if (!compiled) {
      compiled = build(db, (name) => `${SLOT}${name}` as never).compile();
      if (!statementNames.has(compiled.sql)) statementNames.set(compiled.sql, `latchkey_${statementNames.size + 1}`);
      slots = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(SLOT) ? p.slice(SLOT.length) : null));
    }
    const fixed = compiled.parameters;
    return { compiled, parameters: slots.map((name, i) => (name === null ? fixed[i] : args[name])) };
  };
}

/**
 * A query built and compiled once, then run with new values: for the hot paths (a session check
 * on every request, a refresh), where building and compiling a Kysely query costs more than
 * running it. `build` receives `slot(name)`, a placeholder for a value supplied per call.
 */
export function prepared<Args extends Record<string, unknown>, Row = unknown>(
  build: Build<Args, Row>,
): (tx: Tx, args: Args) => Promise<QueryResult<Row>> {
  const fill = slotted(build);
  return async (tx, args) => {
    const db = q(tx);
    const { compiled, parameters } = fill(db, args);
    return db.executeQuery<Row>({ ...compiled, parameters });
  };
}

/**
 * Like prepared(), for a single-row read that may run on the synchronous read-only connection
 * when it is called outside a transaction (`tx` is the root handle) and the database has one.
 */
export function preparedRead<Args extends Record<string, unknown>, Row>(
  root: Kysely<Database>,
  reader: ((sql: string) => { get(params: readonly unknown[]): unknown }) | undefined,
  build: Build<Args, Row>,
): (tx: Tx, args: Args) => Promise<Row | undefined> {
  const viaKysely = prepared<Args, Row>(build);
  const fill = slotted(build);
  return async (tx, args) => {
    if (!reader || q(tx) !== root) return (await viaKysely(tx, args)).rows[0];
    const { compiled, parameters } = fill(root, args);
    return reader(compiled.sql).get(parameters) as Row | undefined;
  };
}
