/**
 * Session lookups for the checks on every request (cookie, access token, refresh holder),
 * through the node-local cache when the wiring provides one (src/core/sessions/ports.ts). Only
 * a lookup `accept` approves is taken from or put into the cache; anything else is read again
 * from the database, so a refusal never rests on a cached copy.
 */
import type { CoreDeps } from '../deps.js';
import type { SessionWithAccount, SessionLookups } from './ports.js';
import { underWayOf, whileUnderWay } from './under-way.js';

/** What the lookup is keyed by: the session id, or the SHA-256 of the presented secret. */
export type LookupKey = { by: 'id' | 'secret'; value: string };

/** A database read of one key under way, and the cache's ticket when it started. */
interface Flight {
  ticket: number;
  read: Promise<SessionWithAccount | null>;
}

/** The reads under way, per cache and key. */
const flights = new WeakMap<object, Map<string, Flight>>();

/**
 * The session and account under `key` (from the cache when `accept` approves the cached copy), or
 * null. Checks that miss the cache for one key at the same time share one database read (after a
 * restart, or when a copy expires, every connection of a busy client asks for the same session at
 * once): a check joins a read of its key only when nothing was invalidated since that read
 * started (the cache's ticket is unchanged), so it gets what a read of its own would give.
 */
export async function lookupSession(
  deps: Pick<CoreDeps, 'sessionCache' | 'uow'> & { sessions: SessionLookups },
  key: LookupKey,
  accept: (found: SessionWithAccount) => boolean,
): Promise<SessionWithAccount | null> {
  const cache = deps.sessionCache;
  if (!cache) return read(deps, key);
  const cacheKey = `${key.by}:${key.value}`;
  const hit = cache.get(cacheKey);
  if (hit && accept(hit)) return hit;
  const ticket = cache.ticket();
  const reads = underWayOf(flights, cache);
  const under = reads.get(cacheKey);
  if (under && under.ticket === ticket) return under.read;
  const flight: Flight = { ticket, read: read(deps, key) };
  const found = await whileUnderWay(reads, cacheKey, flight, flight.read);
  if (found && accept(found)) cache.put(cacheKey, found, ticket);
  return found;
}

function read(deps: Pick<CoreDeps, 'uow'> & { sessions: SessionLookups }, key: LookupKey): Promise<SessionWithAccount | null> {
  return key.by === 'id' ? deps.sessions.findWithAccount(deps.uow.db, key.value) : deps.sessions.findBySecretHashWithAccount(deps.uow.db, key.value);
}
