/**
 * What every domain of the core shares: the opaque transaction handle, the unit of work, the
 * clock, the store error for unique constraints, and where a request came from. Each domain's own
 * ports and types are in src/core/<domain>/ports.ts (docs/architecture.md, "Ports"). Storage
 * functions take a Tx first so the flow decides what runs in one transaction; Tx is opaque to the core.
 */

declare const txBrand: unique symbol;
/** A database handle (a transaction or the plain connection), opaque to the core. */
export type Tx = { readonly [txBrand]: true };

/** Runs work in one database transaction. */
export interface UnitOfWork {
  /** The non-transactional handle, for single statements. */
  readonly db: Tx;
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Thrown by stores when a unique constraint rejects a write. */
export class UniqueViolation extends Error {
  override name = 'UniqueViolation';
  constructor(readonly column: 'username' | 'email' | 'other') {
    super(`unique violation on ${column}`);
  }
}

/** The entry point a request used; recorded with audit events. */
export type Surface = 'jwt' | 'basic' | 'cookie' | 'page' | 'service' | 'admin' | 'cli';

/** Where a request came from, recorded on sessions and audit events. */
export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
  /** The request id (the X-Request-Id of the answer). */
  requestId?: string | null;
  /** Which surface the request came through. */
  surface?: Surface | null;
  /** The language the request asked for (a shipped one from Accept-Language), or null: a new account's emails use it. */
  language?: string | null;
  /**
   * True once the client that asked has disconnected. A password check still waiting for the
   * hash queue when this turns true is not made (src/crypto/bounded-hasher.ts).
   */
  gone?: () => boolean;
}
