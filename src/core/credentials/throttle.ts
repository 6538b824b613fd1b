/**
 * Login throttling against guessing (NIST SP 800-63B §3.2.2, OWASP ASVS 6.3.1), shared by every
 * surface because every password login goes through authenticatePassword. Counters live in the
 * database (table login_throttle), so they hold across nodes.
 *
 * Per identifier (the normalized username or email, whether or not an account exists, so the
 * throttle reveals nothing): the first `freeFailures` consecutive failures cost nothing; each
 * further one blocks the identifier for 2^(n - free) seconds, capped at `maxDelay`. Never
 * permanent; a success resets it; failures older than a day are forgotten. Attempts made while
 * blocked are refused at once, without checking the password and without counting, so a locked
 * account cannot be kept locked longer by hammering it, and a password reset still works.
 *
 * Per client IP: more than `ipFailuresPerMinute` failures in one minute block that address for
 * the rest of the minute (password spraying across many accounts).
 */
import type { CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import { addressKey } from './address-limits.js';

export interface ThrottlePolicy {
  freeFailures: number;
  /** Seconds. */
  maxDelay: number;
  ipFailuresPerMinute: number;
}

const DAY = 86_400_000;
const MINUTE = 60_000;

function keysFor(accountKey: string | null, ip: string | null): { account: string | null; ip: string | null } {
  // IPv6 clients count per /64, like the registration limits: one host usually holds a whole /64.
  return { account: accountKey === null ? null : `acct:${accountKey}`, ip: ip === null ? null : `ip:${addressKey(ip)}` };
}

/** Throws THROTTLED (with Retry-After seconds) when the identifier or the address is blocked now. */
export async function assertNotThrottled(deps: CoreDeps, accountKey: string | null, ip: string | null): Promise<void> {
  const keys = keysFor(accountKey, ip);
  const now = deps.clock.now();
  const until = await deps.throttle.blockedUntil(deps.uow.db, [keys.account, keys.ip].filter((k): k is string => k !== null));
  if (until > now) {
    throw new AuthError('THROTTLED', 'too many failed attempts; try again later', { retryAfter: Math.ceil((until - now) / 1000) });
  }
}

/** A block a failure has just set: on the identifier or on the client address, for `seconds`. */
export interface LoginBlock {
  scope: 'identifier' | 'address';
  seconds: number;
}

/**
 * Counts a failed password check against the identifier and the address, blocking them when
 * due; returns the blocks this failure set (for the audit log's lockout events).
 */
export async function recordLoginFailure(deps: CoreDeps, accountKey: string | null, ip: string | null): Promise<LoginBlock[]> {
  const policy = deps.policy.throttle;
  const keys = keysFor(accountKey, ip);
  const now = deps.clock.now();
  const blocks: LoginBlock[] = [];
  if (keys.account !== null) {
    const state = await deps.throttle.recordFailure(deps.uow.db, keys.account, now, DAY);
    const over = state.failures - policy.freeFailures;
    if (over > 0) {
      const seconds = Math.min(2 ** (over - 1), policy.maxDelay);
      await deps.throttle.block(deps.uow.db, keys.account, now + seconds * 1000);
      blocks.push({ scope: 'identifier', seconds });
    }
  }
  if (keys.ip !== null) {
    const state = await deps.throttle.recordFailure(deps.uow.db, keys.ip, now, MINUTE);
    if (state.failures > policy.ipFailuresPerMinute) {
      await deps.throttle.block(deps.uow.db, keys.ip, state.windowStart + MINUTE);
      blocks.push({ scope: 'address', seconds: Math.ceil((state.windowStart + MINUTE - now) / 1000) });
    }
  }
  return blocks;
}

/** Forgets the identifier's failures after a successful login. */
export async function recordLoginSuccess(deps: CoreDeps, accountKey: string | null): Promise<void> {
  const { account } = keysFor(accountKey, null);
  if (account !== null) await deps.throttle.reset(deps.uow.db, account);
}
