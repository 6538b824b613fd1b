/**
 * The AuditLog on Kysely: every security event becomes one row of `audit_events` and one
 * structured log line (`"type":"audit"`), with a UTC time, the event type and outcome, the
 * account id or a keyed hash of the identifier typed, the client address, user agent (cut to
 * 256 characters), request id and surface. Nothing secret is ever given to it: events carry ids,
 * reason codes and the identifier, which is hashed here before it is stored or logged. Log
 * lines are JSON (pino), so CR/LF in any value is escaped and cannot start a forged line.
 *
 * Rows are kept AUDIT_RETENTION_DAYS (90 by default), then the periodic cleanup deletes them.
 */
import type { MasterKey } from '../core/secrets/master-key.js';
import { readServerSecret } from './keys.js';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { auditIdentifierHash } from '../core/audit/identifier-hash.js';
import type { AuditEvent, AuditLog, AuditRowToStore } from '../core/audit/ports.js';
import type { Clock, Tx } from '../core/ports.js';
import { prepared } from './handle.js';
import type { AuditEventsTable, Database } from './schema.js';

/** Where the audit log writes its lines (the app's pino logger). */
export interface AuditLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AuditLogOptions {
  clock: Clock;
  /** Keys the identifier hash. */
  serverKey: string;
  log: AuditLogger;
}

const MAX_USER_AGENT = 256;
const MAX_SHORT = 100;
const MAX_DETAIL_VALUE = 200;

function cut(value: string | null | undefined, max: number): string | null {
  return value === undefined || value === null ? null : value.slice(0, max);
}

function detailJson(event: AuditEvent): string | null {
  if (!event.detail) return null;
  const entries = Object.entries(event.detail).map(([k, v]) => [k.slice(0, 40), typeof v === 'string' ? v.slice(0, MAX_DETAIL_VALUE) : v]);
  return entries.length === 0 ? null : JSON.stringify(Object.fromEntries(entries.slice(0, 10)));
}

/** The stored row of an event. */
/**
 * A UUIDv7 (RFC 9562): the time in milliseconds, then random bits. New rows sort last, so each
 * insert lands on the last page of the primary-key index rather than on a random one (with
 * random ids, every audited request wrote one more page at its commit).
 */
export function timeOrderedId(atMs: number): string {
  // randomUUID draws from a cached pool (0.4 µs here; randomBytes(16) costs 5 µs): keep its
  // random bits and variant, put the time and version 7 in front.
  const random = randomUUID();
  const time = (Math.max(0, Math.floor(atMs)) % 2 ** 48).toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}

export function auditRow(event: AuditEvent, id: string, at: number, serverKey: string): AuditEventsTable {
  const ctx = event.ctx;
  return {
    id,
    at,
    type: event.type,
    outcome: event.outcome,
    account_id: cut(event.accountId, MAX_SHORT),
    identifier_hash:
      event.identifierHash ?? (event.identifier === undefined || event.identifier === null ? null : auditIdentifierHash(serverKey, event.identifier)),
    surface: cut(ctx?.surface, 20),
    ip: cut(ctx?.ip, MAX_SHORT),
    user_agent: cut(ctx?.userAgent, MAX_USER_AGENT),
    request_id: cut(ctx?.requestId, MAX_SHORT),
    detail: detailJson(event),
  };
}

/** A stored row as JSON, with camel-case names and an ISO time (the CLI's --json output). */
export function auditEventView(row: AuditEventsTable): Record<string, unknown> {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    type: row.type,
    outcome: row.outcome,
    accountId: row.account_id,
    identifierHash: row.identifier_hash,
    surface: row.surface,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as unknown),
  };
}

/** The log line of a stored row. */
function logLine(row: AuditEventsTable): object {
  const { id: _id, type, ...view } = auditEventView(row);
  // `reqId` is Fastify's name for the same id on the request's own lines, so one search finds both.
  return { type: 'audit', event: type, ...view, reqId: row.request_id };
}

/** The audit log over `db`: each event is logged, then inserted (in the caller's transaction for `record`). */
export function createAuditLog(db: Kysely<Database>, options: AuditLogOptions): AuditLog {
  const { clock, serverKey, log } = options;
  // Built and compiled once: a refresh or a login pays only for running it.
  const insertRow = prepared<AuditEventsTable & Record<string, unknown>>((kysely, slot) =>
    kysely.insertInto('audit_events').values({
      id: slot('id'),
      at: slot('at'),
      type: slot('type'),
      outcome: slot('outcome'),
      account_id: slot('account_id'),
      identifier_hash: slot('identifier_hash'),
      surface: slot('surface'),
      ip: slot('ip'),
      user_agent: slot('user_agent'),
      request_id: slot('request_id'),
      detail: slot('detail'),
    }),
  );
  const rootTx = db as unknown as Tx;
  const rowFor = (event: AuditEvent): AuditEventsTable => {
    const at = clock.now();
    return auditRow(event, timeOrderedId(at), at, serverKey);
  };
  const prepare = (event: AuditEvent): AuditEventsTable & Record<string, unknown> => {
    const row = rowFor(event);
    log.info(logLine(row), 'audit');
    return { ...row };
  };
  return {
    // The row goes to another store's one-statement write (sessions.ts openWithinCap,
    // accounts.ts insertAudited) as the AuditEventsTable it is; the log line follows once stored.
    async writeWith(event, write) {
      const row = rowFor(event);
      const stored = await write(row as unknown as AuditRowToStore);
      if (stored) log.info(logLine(row), 'audit');
      return stored;
    },
    async record(tx, event) {
      await insertRow(tx, prepare(event));
    },
    async note(event) {
      try {
        await insertRow(rootTx, prepare(event));
      } catch (err) {
        const message = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
        log.warn({ type: 'audit_write_failed', event: event.type, error: message }, 'audit event logged but not stored');
      }
    },
  };
}

/** One stored event, as `latchkey audit` shows it. */
export type AuditEventRow = AuditEventsTable;

export interface AuditQuery {
  /** Events naming this account id, or typed with one of these identifiers (keyed hashes). */
  accountId?: string | null;
  identifierHashes?: string[];
  type?: string;
  /** Milliseconds since the epoch: only events at or after it. */
  since?: number;
  limit: number;
}

/** Stored events matching `query`, newest first. */
export async function listAuditEvents(db: Kysely<Database>, query: AuditQuery): Promise<AuditEventRow[]> {
  let select = db.selectFrom('audit_events').selectAll();
  const accountId = query.accountId ?? null;
  const hashes = query.identifierHashes ?? [];
  if (accountId !== null || hashes.length > 0) {
    select = select.where((eb) =>
      eb.or([
        ...(accountId !== null ? [eb('account_id', '=', accountId)] : []),
        ...(hashes.length > 0 ? [eb('identifier_hash', 'in', hashes)] : []),
      ]),
    );
  }
  if (query.type !== undefined) select = select.where('type', '=', query.type);
  if (query.since !== undefined) select = select.where('at', '>=', query.since);
  const rows = await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}

/** The server key that keys identifier hashes, or null before any node has started. */
export async function findAuditKey(db: Kysely<Database>, masterKey: MasterKey | null = null): Promise<string | null> {
  return readServerSecret(db, 'server-key', masterKey);
}
