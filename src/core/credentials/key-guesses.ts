/**
 * A per-address budget of wrong operator and service keys (the admin API's ADMIN_API_KEY, the
 * service keys of POST /api/v1/introspect), like the login throttle's per-address limit.
 * Without it every wrong key is an audit row, so one client could write rows as fast as it can
 * send requests.
 *
 * From one client address (IPv6 by /64, as the other limits), at most WRONG_KEYS_PER_MINUTE
 * wrong keys of each kind are checked and recorded per fixed one-minute window; the last of them
 * blocks the address for the rest of the window and records one `rate_limited` event. While
 * blocked, a request is answered 429 with Retry-After before any key comparison, lookup or audit
 * write (one counter read), the right key included, as a blocked login waits with the right
 * password. So one address writes at most WRONG_KEYS_PER_MINUTE + 1 rows a minute per kind.
 * Counted in the throttle store (`adminkey-ip:` / `svckey-ip:`, the database or Redis), so the
 * budget holds across nodes; of simultaneous wrong keys, those past the budget are answered 429
 * unrecorded. A call without a ClientContext (the CLI) is not limited.
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';
import type { AuditEvent } from '../audit/ports.js';
import { addressKey } from './address-limits.js';

/** Wrong keys of one kind checked per client address per minute; beyond it, 429 until the minute ends. */
export const WRONG_KEYS_PER_MINUTE = 20;

/** The two kinds of key, each with its own budget. */
export type KeyKind = 'admin_key' | 'service_key';

const MINUTE = 60_000;
const PREFIX: Record<KeyKind, string> = { admin_key: 'adminkey-ip:', service_key: 'svckey-ip:' };

type Deps = Pick<CoreDeps, 'throttle' | 'uow' | 'clock' | 'audit'>;

function throttled(retryAfterMs: number): AuthError {
  const err = new AuthError('THROTTLED', 'too many wrong keys from this address; try again later', {
    retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
  // Recorded once, when the block was set: the refusals themselves write nothing.
  return err.markAudited();
}

/** What a wrong key is: the event recording it and the error answering it. */
export interface WrongKey {
  event: AuditEvent;
  error: AuthError;
}

/**
 * Runs `check` (a key comparison: the key's owner, or null for a wrong key) under the address's
 * budget of wrong keys of `kind`. A wrong key is recorded (`wrong.event`) and answered
 * `wrong.error` within the budget, THROTTLED past it; THROTTLED at once while blocked.
 */
export async function checkKeyWithinBudget<T>(
  deps: Deps,
  kind: KeyKind,
  ctx: ClientContext | undefined,
  check: () => Promise<T | null> | T | null,
  wrong: () => WrongKey,
): Promise<T> {
  const key = ctx === undefined ? null : `${PREFIX[kind]}${addressKey(ctx.ip)}`;
  if (key !== null) {
    const now = deps.clock.now();
    const until = await deps.throttle.blockedUntil(deps.uow.db, [key]);
    if (until > now) throw throttled(until - now);
  }
  const owner = await check();
  if (owner !== null) return owner;
  const { event, error } = wrong();
  if (key !== null) {
    const now = deps.clock.now();
    const state = await deps.throttle.recordFailure(deps.uow.db, key, now, MINUTE);
    const end = state.windowStart + MINUTE;
    if (state.failures > WRONG_KEYS_PER_MINUTE) throw throttled(end - now);
    if (state.failures === WRONG_KEYS_PER_MINUTE) {
      await deps.throttle.block(deps.uow.db, key, end);
      await deps.audit.note(event);
      await deps.audit.note({
        type: 'rate_limited',
        outcome: 'rejected',
        ctx,
        detail: { limit: kind, scope: 'address', retryAfter: Math.max(1, Math.ceil((end - now) / 1000)) },
      });
      throw error.markAudited();
    }
  }
  await deps.audit.note(event);
  throw error.markAudited();
}
