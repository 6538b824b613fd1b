/**
 * Work under way, per owner (a cache, a store) and key, so that callers asking for the same thing
 * at the same time can join the one already started instead of starting their own: the checks that
 * miss the cache together (cached-lookup.ts) and the last-seen writes of one session
 * (lifecycle.ts, touchSession).
 */

/** The entries under way of one owner. */
export function underWayOf<E>(registry: WeakMap<object, Map<string, E>>, owner: object): Map<string, E> {
  let entries = registry.get(owner);
  if (!entries) registry.set(owner, (entries = new Map()));
  return entries;
}

/** Keeps `entry` under `key` while `work` runs (unless replaced meanwhile) and returns its result. */
export async function whileUnderWay<E, T>(entries: Map<string, E>, key: string, entry: E, work: Promise<T>): Promise<T> {
  entries.set(key, entry);
  try {
    return await work;
  } finally {
    if (entries.get(key) === entry) entries.delete(key);
  }
}
