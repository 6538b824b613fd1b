/**
 * The audit log's volume bound (docs/security.md, "Audit volume under abuse"): an AuditLog in
 * front of the stored one that folds repeated refusals into counts, so no client can fill the
 * disk (or the log) with refused requests.
 *
 * Folded: every event whose outcome is `failure` or `rejected` (wrong keys, failed logins,
 * CSRF refusals, rate limits, resets for unknown users, junk refresh and link tokens), except
 * `refresh_reuse`, which ends a refresh family (a state change: it keeps its row); and the
 * successful rotations of one refresh chain (`refresh` success), the one documented exception to
 * "every success that changes state is a row"; and a password check that opened no session (an
 * HTTP Basic request: it changes nothing), keyed by (account, address). Every other success is
 * passed through unchanged.
 *
 * Keys: a refusal is keyed by (type, outcome, client address) and by (type, outcome, keyed hash
 * of the identifier typed); a rotation by (refresh chain). The first event of a key is written
 * at once, as itself; while a key is known, events of it are only counted, and when its window
 * ends the count is written as ONE row (and one log line) whose `detail.count` says how many
 * events it stands for, with `detail.firstAt`/`lastAt` and the detail of the first folded event.
 * A key still busy goes on into a new window (one row per window); a quiet one is forgotten. An
 * event is written at once only when neither its address key nor its identifier key is known,
 * and is folded into the address key when that is known, else the identifier key: each event
 * is counted exactly once, and rows per window are at most two per key.
 *
 * Memory: at most `maxKeys` keys (about 0.5 KB each); past that, a new key's events fold into
 * one overflow key per type and outcome (`detail.keyedBy: "overflow"`). Per node: with N nodes,
 * a key writes at most N rows per window. `flush()` (on a clean stop) writes every pending count.
 */
import type { ClientContext, Tx } from '../ports.js';
import { addressKey } from '../credentials/address-limits.js';
import { auditIdentifierHash } from './identifier-hash.js';
import type { AuditDetail, AuditEvent, AuditLog, AuditRowToStore } from './ports.js';

export interface AggregateOptions {
  clock: { now(): number };
  /** Keys the identifier hashes (the same key the stored log uses). */
  serverKey: string;
  /** Length of a window, milliseconds. */
  windowMs: number;
  /** Most keys held; beyond it, events fold into a per-kind overflow key. */
  maxKeys?: number;
  /**
   * One statement that changes nothing, run in the caller's transaction in place of a folded
   * refusal's insert, so the requests that must not reveal whether an account exists keep an
   * even number of statements (src/core/email-flows/even-work.ts).
   */
  pad?: (tx: Tx) => Promise<void>;
  /** How often due windows are written without waiting for an event (ms); 0: no timer. */
  sweepIntervalMs?: number;
}

export interface BoundedAuditLog extends AuditLog {
  /** Writes the counts of windows that have ended. */
  sweep(): Promise<void>;
  /** Writes every pending count now (a clean stop, or a test); keys are forgotten. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
  /** Keys currently held (for tests and metrics). */
  size(): number;
}

export const DEFAULT_AGGREGATE_MAX_KEYS = 10_000;

/** How long before its window's end folds() stops promising that an event will only be counted. */
const FOLD_MARGIN_MS = 1000;

type KeyedBy = 'address' | 'identifier' | 'chain' | 'account' | 'none' | 'overflow';

interface Entry {
  keyedBy: KeyedBy;
  type: AuditEvent['type'];
  outcome: AuditEvent['outcome'];
  windowEnd: number;
  count: number;
  firstAt: number;
  lastAt: number;
  detail: AuditDetail | undefined;
  // What every folded event shared (null once they differ).
  accountId: string | null | undefined;
  identifierHash: string | null | undefined;
  ip: string | null | undefined;
  userAgent: string | null | undefined;
  surface: ClientContext['surface'] | undefined;
  requestId: string | null;
}

const SAME_UNSET = undefined;

/** A new window's fields: no detail yet, and nothing yet shared by its events. */
const NOTHING_SHARED = {
  detail: undefined,
  accountId: SAME_UNSET,
  identifierHash: SAME_UNSET,
  ip: SAME_UNSET,
  userAgent: SAME_UNSET,
  surface: SAME_UNSET,
} as const satisfies Partial<Entry>;

function same<T>(kept: T | null | undefined, value: T | null): T | null {
  return kept === SAME_UNSET ? value : kept === value ? kept : null;
}

/** True for the events this layer folds. */
export function isFolded(event: AuditEvent): boolean {
  if (event.type === 'refresh' && event.outcome === 'success') return true;
  if (isSessionlessLogin(event)) return true;
  return event.outcome !== 'success' && event.type !== 'refresh_reuse';
}

/** A password check that opened no session (HTTP Basic: every request is one): it changes nothing. */
function isSessionlessLogin(event: AuditEvent): boolean {
  return event.type === 'login' && event.outcome === 'success' && event.detail?.sessionId === undefined && Boolean(event.accountId);
}

/** Wraps `inner` (the stored log) with the volume bound described above. */
export function boundAuditLog(inner: AuditLog, options: AggregateOptions): BoundedAuditLog {
  const { clock, serverKey, windowMs } = options;
  const maxKeys = options.maxKeys ?? DEFAULT_AGGREGATE_MAX_KEYS;
  // Insertion order is window order (every window has the same length; a renewed key moves to
  // the end), so a sweep reads from the front until a window that has not ended.
  const entries = new Map<string, Entry>();
  const writing = new Set<Promise<void>>();

  const track = (work: Promise<void>): void => {
    writing.add(work);
    void work.finally(() => writing.delete(work));
  };

  function summary(entry: Entry): AuditEvent {
    const detail: AuditDetail = {
      count: entry.count,
      keyedBy: entry.keyedBy,
      firstAt: new Date(entry.firstAt).toISOString(),
      lastAt: new Date(entry.lastAt).toISOString(),
      windowSeconds: Math.round(windowMs / 1000),
    };
    for (const [k, v] of Object.entries(entry.detail ?? {}).slice(0, 5)) if (!(k in detail)) detail[k] = v;
    return {
      type: entry.type,
      outcome: entry.outcome,
      accountId: entry.accountId ?? null,
      identifierHash: entry.identifierHash ?? null,
      ctx: { ip: entry.ip ?? null, userAgent: entry.userAgent ?? null, requestId: entry.requestId, surface: entry.surface ?? null },
      detail,
    };
  }

  /** Takes the entries whose window ended by `now`: a busy one is renewed, a quiet one dropped. */
  function takeDue(now: number, all: boolean): AuditEvent[] {
    const out: AuditEvent[] = [];
    for (const [key, entry] of entries) {
      if (!all && entry.windowEnd > now) break;
      entries.delete(key);
      if (entry.count === 0) continue;
      out.push(summary(entry));
      if (all) continue;
      entries.set(key, {
        ...entry,
        windowEnd: now + windowMs,
        count: 0,
        ...NOTHING_SHARED,
      });
    }
    return out;
  }

  function writeSummaries(events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const work = (async () => {
      for (const e of events) await inner.note(e);
    })();
    track(work);
    return work;
  }

  function fold(entry: Entry, event: AuditEvent, hash: string | null, now: number): void {
    if (entry.count === 0) {
      entry.firstAt = now;
      entry.detail = event.detail;
    }
    entry.count += 1;
    entry.lastAt = now;
    entry.accountId = same(entry.accountId, event.accountId ?? null);
    entry.identifierHash = same(entry.identifierHash, hash);
    entry.ip = same(entry.ip, event.ctx?.ip ?? null);
    entry.userAgent = same(entry.userAgent, event.ctx?.userAgent?.slice(0, 256) ?? null);
    entry.surface = same(entry.surface, event.ctx?.surface ?? null);
    entry.requestId = event.ctx?.requestId ?? null;
  }

  function newEntry(keyedBy: KeyedBy, event: AuditEvent, now: number): Entry {
    return {
      keyedBy,
      type: event.type,
      outcome: event.outcome,
      windowEnd: now + windowMs,
      count: 0,
      firstAt: now,
      lastAt: now,
      ...NOTHING_SHARED,
      requestId: null,
    };
  }

  /** The keys an event is counted under, in the order admit() tries them. */
  function keysOf(event: AuditEvent, hash: string | null): Array<[string, KeyedBy]> {
    const kind = `${event.type}|${event.outcome}`;
    const keys: Array<[string, KeyedBy]> = [];
    if (event.type === 'refresh' && event.outcome === 'success') {
      const chain = event.detail?.sessionId ?? event.accountId ?? null;
      keys.push([`${kind}|c|${String(chain)}`, 'chain']);
    } else if (isSessionlessLogin(event)) {
      keys.push([`${kind}|b|${String(event.accountId)}|${addressKey(event.ctx?.ip ?? null)}`, 'account']);
    } else {
      if (event.ctx) keys.push([`${kind}|a|${addressKey(event.ctx.ip)}`, 'address']);
      if (hash !== null) keys.push([`${kind}|i|${hash}`, 'identifier']);
      if (keys.length === 0) keys.push([`${kind}|-`, 'none']);
    }
    return keys;
  }

  /** Folds the event (true) or registers its keys so it is written now (false). */
  function admit(event: AuditEvent, hash: string | null, now: number): boolean {
    const kind = `${event.type}|${event.outcome}`;
    const keys = keysOf(event, hash);
    for (const [key] of keys) {
      const entry = entries.get(key);
      if (entry && entry.windowEnd <= now) {
        // Due but not swept yet (the sweep reads in insertion order, which a clock stepped back
        // can put out of window order): its window is over, so this event opens a new one.
        entries.delete(key);
        if (entry.count > 0) void writeSummaries([summary(entry)]);
      } else if (entry) {
        fold(entry, event, hash, now);
        return true;
      }
    }
    if (entries.size + keys.length > maxKeys) {
      const key = `${kind}|overflow`;
      const entry = entries.get(key) ?? newEntry('overflow', event, now);
      if (!entries.has(key)) entries.set(key, entry);
      fold(entry, event, hash, now);
      return true;
    }
    for (const [key, keyedBy] of keys) entries.set(key, newEntry(keyedBy, event, now));
    return false;
  }

  /** Writes due windows without delaying the caller. */
  function sweepNow(now: number): void {
    const head = entries.values().next();
    if (head.done || head.value.windowEnd > now) return;
    void writeSummaries(takeDue(now, false));
  }

  /** The event as the stored log takes it, its identifier already hashed. */
  function hashed(event: AuditEvent): { event: AuditEvent; hash: string | null } {
    if (event.identifierHash !== undefined && event.identifierHash !== null) return { event, hash: event.identifierHash };
    if (event.identifier === undefined || event.identifier === null) return { event, hash: null };
    const hash = auditIdentifierHash(serverKey, event.identifier);
    const { identifier: _typed, ...rest } = event;
    return { event: { ...rest, identifierHash: hash }, hash };
  }

  const timer =
    options.sweepIntervalMs && options.sweepIntervalMs > 0
      ? setInterval(() => sweepNow(clock.now()), options.sweepIntervalMs)
      : null;
  timer?.unref();

  const innerWriteWith = inner.writeWith;
  return {
    async record(tx, event) {
      if (!isFolded(event)) return inner.record(tx, event);
      const now = clock.now();
      sweepNow(now);
      const { event: stored, hash } = hashed(event);
      if (!admit(stored, hash, now)) return inner.record(tx, stored);
      if (event.outcome !== 'success' && options.pad) await options.pad(tx);
    },
    async note(event) {
      if (!isFolded(event)) return inner.note(event);
      const now = clock.now();
      sweepNow(now);
      const { event: stored, hash } = hashed(event);
      if (!admit(stored, hash, now)) return inner.note(stored);
    },
    // An event this layer folds is never stored by another store's statement: its row may not be written at all.
    ...(innerWriteWith ? { writeWith: async (event: AuditEvent, write: (row: AuditRowToStore) => Promise<boolean>) => !isFolded(event) && innerWriteWith(event, write) } : {}),
    folds(event) {
      if (!isFolded(event)) return false;
      const { event: stored, hash } = hashed(event);
      // The first known key decides, as in admit(); a window ending within FOLD_MARGIN_MS counts
      // as ended, so the caller's statement between this answer and its record() cannot outlast it.
      const end = clock.now() + FOLD_MARGIN_MS;
      for (const [key] of keysOf(stored, hash)) {
        const entry = entries.get(key);
        if (entry) return entry.windowEnd > end;
      }
      return false;
    },
    async sweep() {
      await writeSummaries(takeDue(clock.now(), false));
    },
    async flush() {
      await writeSummaries(takeDue(clock.now(), true));
      await Promise.all([...writing]);
    },
    async close() {
      if (timer) clearInterval(timer);
      await this.flush();
    },
    size: () => entries.size,
  };
}
