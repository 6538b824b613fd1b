/**
 * Per-client-address limits on the requests anyone can make without an account: creating one
 * (every sign-up path) and asking for mail (password reset, confirmation resend). They stop
 * mass registration and mail bombing from one address (docs/security.md#sec-12, #sec-54), and slow
 * username probing at registration (decision 5). The per-address mail budget (mail-budget.ts)
 * protects each recipient; this protects the service from each sender.
 *
 * Stored: one counter per limit and address in login_throttle (keys `reg-ip:` and
 * `mailreq-ip:`), raised by one atomic upsert per request, so the limit holds across nodes and
 * of N simultaneous requests exactly the limit get through (docs/security.md#sec-21). A window is a fixed hour
 * from its first request; the counter then starts again. IPv6 clients count per /64 (one
 * customer's allocation, so rotating through it gains nothing), IPv4-mapped IPv6 as IPv4.
 * Refused requests get THROTTLED with Retry-After whatever the username or address asked
 * about, so the limit reveals nothing about accounts. A call without a ClientContext (the CLI,
 * internal use) is not limited; an HTTP request without an address shares one `unknown` budget.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { CoreDeps } from '../deps.js';
import type { AddressLimitPolicy } from './ports.js';
import type { ClientContext } from '../ports.js';
import { AuthError } from '../errors.js';


/** What a request spends: an account creation, a request that sends mail, or a passwordless passkey sign-in started. */
export type AddressLimit = 'registration' | 'mail_request' | 'passkey_sign_in';

const HOUR = 3_600_000;

/** Passwordless passkey sign-ins one address may start an hour (each stores a challenge; docs/security.md, "Passkeys"). */
export const PASSKEY_SIGN_INS_PER_HOUR = 300;

const LIMITS: Record<AddressLimit, { prefix: string; message: string; perHour: (p: AddressLimitPolicy) => number }> = {
  registration: {
    prefix: 'reg-ip:',
    message: 'too many sign-ups from this address; try again later',
    perHour: (p) => p.registrationsPerHour,
  },
  mail_request: {
    prefix: 'mailreq-ip:',
    message: 'too many email requests from this address; try again later',
    perHour: (p) => p.mailRequestsPerHour,
  },
  passkey_sign_in: {
    prefix: 'passkey-ip:',
    message: 'too many passkey sign-ins from this address; try again later',
    perHour: () => PASSKEY_SIGN_INS_PER_HOUR,
  },
};

// The 8 groups of an IPv6 address (an IPv4 tail becomes two groups), or null.
function ipv6Groups(ip: string): number[] | null {
  let text = ip.split('%')[0] ?? '';
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail, extra] = text.split('::');
  if (extra !== undefined) return null;
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array<string>(Math.max(fill, 0)).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

/** The key a client address is counted under: IPv4 as is, IPv6 by its /64. */
export function addressKey(ip: string | null): string {
  if (ip === null || ip === '') return 'unknown';
  if (isIPv4(ip)) return ip;
  const groups = isIPv6(ip) ? ipv6Groups(ip) : null;
  if (groups === null) return ip.slice(0, 100);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** Counts one request of `limit` from the context's address; THROTTLED (with Retry-After) beyond the hourly limit. */
export async function takeAddressAllowance(deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'throttle'>, limit: AddressLimit, ctx: ClientContext | undefined): Promise<void> {
  if (ctx === undefined) return;
  const { prefix, message, perHour } = LIMITS[limit];
  const now = deps.clock.now();
  const state = await deps.throttle.recordFailure(deps.uow.db, `${prefix}${addressKey(ctx.ip)}`, now, HOUR);
  if (state.failures > perHour(deps.policy.addressLimits)) {
    throw new AuthError('THROTTLED', message, { retryAfter: Math.max(1, Math.ceil((state.windowStart + HOUR - now) / 1000)) });
  }
}

const MINUTE = 60_000;

/**
 * Counts one unusable refresh token or email link presented from the context's address (SECURITY
 * §2: token-consuming endpoints). Only failures count, so a working token never pays a counter
 * write; past `tokenFailuresPerMinute` the failure is answered THROTTLED (429 with Retry-After)
 * instead of its usual error, for the rest of that minute. The tokens are 256-bit secrets, so
 * this does not protect them from guessing (nothing needs to); it stops one address from turning
 * junk tokens into an unbounded stream of database work and audit rows.
 */
export async function countTokenFailure(deps: Pick<CoreDeps, 'uow' | 'clock' | 'policy' | 'throttle'>, ctx: ClientContext | undefined): Promise<void> {
  if (ctx === undefined) return;
  const now = deps.clock.now();
  const key = `tokfail-ip:${addressKey(ctx.ip)}`;
  const state = await deps.throttle.recordFailure(deps.uow.db, key, now, MINUTE);
  if (state.failures > deps.policy.addressLimits.tokenFailuresPerMinute) {
    spentTokenBudgets(deps).set(key, state.windowStart + MINUTE);
    throw new AuthError('THROTTLED', 'too many invalid tokens from this address; try again later', {
      retryAfter: Math.max(1, Math.ceil((state.windowStart + MINUTE - now) / 1000)),
    });
  }
}

/** Addresses this node has refused for token failures, with the end of their window (bounded). */
const spentBudgets = new WeakMap<CoreDeps['throttle'], Map<string, number>>();
const SPENT_BUDGETS_KEPT = 10_000;

function spentTokenBudgets(deps: Pick<CoreDeps, 'throttle'>): Map<string, number> {
  let spent = spentBudgets.get(deps.throttle);
  if (!spent) spentBudgets.set(deps.throttle, (spent = new Map()));
  if (spent.size >= SPENT_BUDGETS_KEPT) spent.delete(spent.keys().next().value as string);
  return spent;
}

/**
 * Refuses (THROTTLED) an address whose token-failure budget is spent, before the caller looks
 * anything up, hashes or opens a transaction. Each node remembers the addresses it refused
 * until the end of their window, so this costs no database or Redis call; a node that has not
 * refused the address yet does the (bounded) work once and learns it from the shared counter.
 */
export function refuseSpentTokenBudget(deps: Pick<CoreDeps, 'clock' | 'throttle'>, ctx: ClientContext | undefined): void {
  if (ctx === undefined) return;
  const key = `tokfail-ip:${addressKey(ctx.ip)}`;
  const spent = spentBudgets.get(deps.throttle);
  const until = spent?.get(key);
  if (until === undefined) return;
  const now = deps.clock.now();
  if (until <= now) {
    spent?.delete(key);
    return;
  }
  throw new AuthError('THROTTLED', 'too many invalid tokens from this address; try again later', {
    retryAfter: Math.max(1, Math.ceil((until - now) / 1000)),
  });
}
