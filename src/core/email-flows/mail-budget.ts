/**
 * Mail bombing (docs/security.md#sec-54): anyone can ask Latchkey to email an address (a sign-up notice
 * to an existing address, a confirmation resend, a password reset). Each address gets at most one
 * such email a minute and five an hour; requests beyond that are answered exactly like the others
 * and send nothing, so the limit reveals nothing either. The counters share the login_throttle
 * table (keys `mail-min:` and `mail-hour:`), so the budget holds across nodes. The first
 * confirmation of a new sign-up, and mail reporting a change already made (password changed,
 * account deleted), are not limited. The keys hold the keyed hash the audit log keeps of an
 * identifier, never the address or name itself.
 */
import { auditIdentifierHash } from '../audit/identifier-hash.js';
import type { CoreDeps } from '../deps.js';
import type { Tx } from '../ports.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const MAILS_PER_MINUTE = 1;
export const MAILS_PER_HOUR = 5;

/** Counts one requested email to `emailKey`; false when the address's budget is spent (send nothing). */
export async function takeMailBudget(deps: Pick<CoreDeps, 'clock' | 'throttle' | 'serverKey'>, tx: Tx, emailKey: string): Promise<boolean> {
  const now = deps.clock.now();
  const hashed = auditIdentifierHash(deps.serverKey, emailKey);
  const minute = await deps.throttle.recordFailure(tx, `mail-min:${hashed}`, now, MINUTE);
  if (minute.failures > MAILS_PER_MINUTE) {
    // A burst spends only this minute's budget. The read stands in for the hour's count, so
    // either answer costs the same two statements (even-work.ts).
    await deps.throttle.blockedUntil(tx, [`mail-hour:${hashed}`]);
    return false;
  }
  const hour = await deps.throttle.recordFailure(tx, `mail-hour:${hashed}`, now, HOUR);
  return hour.failures <= MAILS_PER_HOUR;
}
