/**
 * Errors whose audit event the core has already recorded (a login refused while throttled), so
 * the HTTP layer, which records refusals the core does not (see src/http/audit.ts), does not
 * record them a second time.
 */
const audited = new WeakSet<Error>();

/** Marks `err` as recorded in the audit log; returns it. */
export function markAudited<E extends Error>(err: E): E {
  audited.add(err);
  return err;
}

/** True when the core has recorded the audit event of `err`. */
export function isAudited(err: unknown): boolean {
  return err instanceof Error && audited.has(err);
}
