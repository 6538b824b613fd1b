/** Times as records and listings show them. */

/** An epoch-milliseconds time as ISO 8601 (UTC), or null for none. */
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
