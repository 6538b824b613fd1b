/**
 * Session lookups for the checks on every request (cookie, access token, refresh holder),
 * through the node-local cache when the wiring provides one (src/core/sessions/ports.ts). Only
 * a lookup `accept` approves is taken from or put into the cache; anything else is read again
 * from the database, so a refusal never rests on a cached copy.
 */
import type { CoreDeps } from '../deps.js';
import type { SessionWithAccount, SessionLookups } from './ports.js';

/** What the lookup is keyed by: the session id, or the SHA-256 of the presented secret. */
export type LookupKey = { by: 'id' | 'secret'; value: string };

/** The session and account under `key` (from the cache when `accept` approves the cached copy), or null. */
export async function lookupSession(
  deps: Pick<CoreDeps, 'sessionCache' | 'uow'> & { sessions: SessionLookups },
  key: LookupKey,
  accept: (found: SessionWithAccount) => boolean,
): Promise<SessionWithAccount | null> {
  const cache = deps.sessionCache;
  const cacheKey = `${key.by}:${key.value}`;
  const hit = cache?.get(cacheKey);
  if (hit && accept(hit)) return hit;
  const ticket = cache ? cache.ticket() : 0;
  const found =
    key.by === 'id'
      ? await deps.sessions.findWithAccount(deps.uow.db, key.value)
      : await deps.sessions.findBySecretHashWithAccount(deps.uow.db, key.value);
  if (cache && found && accept(found)) cache.put(cacheKey, found, ticket);
  return found;
}
