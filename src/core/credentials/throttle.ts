/**
 * Login throttling against guessing (NIST SP 800-63B §3.2.2, OWASP ASVS 6.3.1), shared by every
 * surface because every password login goes through authenticatePassword. Counters live in the
 * database (table login_throttle) or Redis, so they hold across nodes.
 *
 * Per subject: the account a login resolved to, whatever was typed (its username or its email
 * both count against `login-acct:<account id>`); for a name with no account, the keyed hash of
 * what was typed (`login-id:<hash>`, the hash the audit log keeps), so guessing unknown names is
 * throttled exactly like known ones and the throttle reveals nothing. Known or not, a failure
 * costs the same statements. The first `freeFailures` consecutive failures cost nothing; each
 * further one blocks the subject for 2^(n - free) seconds, capped at `maxDelay`. Never
 * permanent; a success resets it, and so does proving control of the account another way (a
 * completed reset or confirmation, a password change, an operator's set-password:
 * clearLoginFailures); failures older than a day are forgotten. Attempts made while blocked are
 * refused at once, without checking the password and without counting, so a locked account
 * cannot be kept locked longer by hammering it, and a password reset still works.
 *
 * Per client IP: more than `ipFailuresPerMinute` failures in one minute block that address for
 * the rest of the minute (password spraying across many accounts).
 *
 * No key holds what was typed (a password typed into the username field would otherwise be kept
 * for a day): see docs/decisions.md, "Throttle keys hold no typed text".
 */
import { loginKey } from '../accounts/identifiers.js';
import { auditIdentifierHash } from '../audit/identifier-hash.js';
import type { CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import type { Tx } from '../ports.js';
import { addressKey } from './address-limits.js';


const DAY = 86_400_000;
const MINUTE = 60_000;

/** The throttle key of an account: every identifier of it counts here. */
export function accountSubject(accountId: string): string {
  return `login-acct:${accountId}`;
}

/**
 * The throttle key a login attempt counts against: its account's, or for a name with no account
 * the keyed hash of what was typed; null for text no account can have (empty, too long, control
 * characters), which only the address counts.
 */
export function loginSubject(deps: Pick<CoreDeps, 'serverKey'>, account: Pick<Account, 'id'> | null, identifier: string): string | null {
  if (account !== null) return accountSubject(account.id);
  return loginKey(identifier) === null ? null : `login-id:${auditIdentifierHash(deps.serverKey, identifier)}`;
}

function ipKey(ip: string | null): string | null {
  // IPv6 clients count per /64, like the registration limits: one host usually holds a whole /64.
  return ip === null ? null : `ip:${addressKey(ip)}`;
}

/** Throws THROTTLED (with Retry-After seconds) when the subject or the address is blocked now. */
export async function assertNotThrottled(deps: Pick<CoreDeps, 'uow' | 'clock' | 'throttle'>, subject: string | null, ip: string | null): Promise<void> {
  const keys = [subject, ipKey(ip)].filter((k): k is string => k !== null);
  if (keys.length === 0) return;
  const now = deps.clock.now();
  const until = await deps.throttle.blockedUntil(deps.uow.db, keys);
  if (until > now) {
    throw new AuthError('THROTTLED', 'too many failed attempts; try again later', { retryAfter: Math.ceil((until - now) / 1000) });
  }
}

/**
 * As assertNotThrottled for one login's subject (the address was checked before): resolves to
 * whether anything is counted against the subject, which recordLoginSuccess then has to forget.
 */
export async function assertSubjectNotThrottled(deps: Pick<CoreDeps, 'uow' | 'clock' | 'throttle'>, subject: string | null): Promise<boolean> {
  if (subject === null) return false;
  const now = deps.clock.now();
  const { blockedUntil, counted } = await deps.throttle.subjectState(deps.uow.db, subject);
  if (blockedUntil > now) {
    throw new AuthError('THROTTLED', 'too many failed attempts; try again later', { retryAfter: Math.ceil((blockedUntil - now) / 1000) });
  }
  return counted;
}

/** A block a failure has just set: on the account or typed name, or on the client address, for `seconds`. */
export interface LoginBlock {
  scope: 'identifier' | 'address';
  seconds: number;
}

/**
 * Counts a failed password check against the subject and the address, blocking them when
 * due; returns the blocks this failure set (for the audit log's lockout events).
 */
export async function recordLoginFailure(deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'throttle'>, subject: string | null, ip: string | null): Promise<LoginBlock[]> {
  const policy = deps.policy.throttle;
  const address = ipKey(ip);
  const now = deps.clock.now();
  const blocks: LoginBlock[] = [];
  if (subject !== null) {
    const state = await deps.throttle.recordFailure(deps.uow.db, subject, now, DAY);
    const over = state.failures - policy.freeFailures;
    if (over > 0) {
      const seconds = Math.min(2 ** (over - 1), policy.maxDelay);
      await deps.throttle.block(deps.uow.db, subject, now + seconds * 1000);
      blocks.push({ scope: 'identifier', seconds });
    }
  }
  if (address !== null) {
    const state = await deps.throttle.recordFailure(deps.uow.db, address, now, MINUTE);
    if (state.failures > policy.ipFailuresPerMinute) {
      await deps.throttle.block(deps.uow.db, address, state.windowStart + MINUTE);
      blocks.push({ scope: 'address', seconds: Math.ceil((state.windowStart + MINUTE - now) / 1000) });
    }
  }
  return blocks;
}

/**
 * Forgets the subject's failures after a successful login. `counted` false (the login's
 * assertSubjectNotThrottled found nothing counted) skips the statement: a failure counted while
 * this login's password was being checked then stays counted (docs/decisions.md, "Logins on
 * PostgreSQL: fewer round trips").
 */
export async function recordLoginSuccess(deps: Pick<CoreDeps, 'uow' | 'throttle'>, subject: string | null, counted = true): Promise<void> {
  if (subject !== null && counted) await deps.throttle.reset(deps.uow.db, subject);
}

/**
 * Forgets the account's failures and lifts its block, in `tx` (the transaction that set a new
 * password by a reset, a confirmation, a change or an operator): whoever did it has proved
 * control of the account, and the guesses counted were against a password that is gone.
 */
export async function clearLoginFailures(deps: Pick<CoreDeps, 'throttle'>, tx: Tx, accountId: string): Promise<void> {
  await deps.throttle.reset(tx, accountSubject(accountId));
}
