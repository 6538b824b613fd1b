/**
 * This node's own writes invalidate its session cache (cache.ts) at once, without waiting for
 * their notification to come back: a write to sessions or accounts drops the entries it touches
 * when it is called and again when its transaction has committed (or at once for a statement
 * outside a transaction), so the answer to a logout is sent only after the node forgot the
 * session. With an `announce` (the Redis channel, redis-channel.ts) each committed write is also
 * published to the other nodes before it returns. Store methods are wrapped by name: the known reads pass through, the known writes
 * name what they touch, and any other method (one added later) empties the cache.
 */
import type { AccountStore } from '../../core/accounts/ports.js';
import type { Tx, UnitOfWork } from '../../core/ports.js';
import type { SessionStore } from '../../core/sessions/ports.js';
import type { Invalidation, SessionCache } from './cache.js';

type Scope = (args: unknown[]) => Invalidation;

const byAccountArg: Scope = (args) => ({ account: String(args[1]) });

/** Methods that change nothing a cached lookup holds (an insert makes a new row, a read reads). */
const SESSION_PASS = new Set<string>([
  'insert',
  'insertWithinCap',
  'openWithinCap',
  'findBySecretHashForUpdate',
  'findWithAccount',
  'findBySecretHashWithAccount',
  'findById',
  'findWithAccountForUpdate',
  'listLiveSessions',
]);
const SESSION_SCOPES: Record<string, Scope> = {
  advanceChain: (args) => ({ session: String(args[1]) }),
  rotateCurrent: (args) => ({ session: String(args[1]) }),
  markRotated: (args) => ({ session: String(args[1]) }),
  revokeFamily: (args) => ({ family: String(args[1]) }),
  revokeAccountSessions: byAccountArg,
  revokeOtherFamilies: byAccountArg,
  endLeastRecentlyUsed: byAccountArg,
};
const ACCOUNT_PASS = new Set<string>(['insert', 'insertAudited', 'findById', 'findByLoginKey', 'findForLogin', 'findByEmailKey', 'list', 'lastLoginAt', 'listIdentifierCollisions']);
const ACCOUNT_SCOPES: Record<string, Scope> = {
  setUsername: byAccountArg,
  setEmail: byAccountArg,
  replacePasswordHash: byAccountArg,
  setPasswordHash: byAccountArg,
  activateWithPassword: byAccountArg,
  deleteAccount: byAccountArg,
  setStatus: byAccountArg,
};

/** Writes whose result says they changed no row (the least recently used sessions: none ended; a refresh's one-statement rotation that did not apply). */
const UNCHANGED: Record<string, (result: unknown) => boolean> = {
  endLeastRecentlyUsed: (result) => Array.isArray(result) && result.length === 0,
  rotateCurrent: (result) => result === null,
};

export interface GuardedStores {
  uow: UnitOfWork;
  sessions: SessionStore;
  accounts: AccountStore;
}

export interface GuardOptions {
  /** Tells the other nodes of a committed write (never rejects: it reports its own failures). */
  announce?: (what: Invalidation) => Promise<void>;
}

/** Wraps the unit of work and the two stores whose rows the cache copies. */
export function guardSessionCache(cache: SessionCache, stores: GuardedStores, options: GuardOptions = {}): GuardedStores {
  const { announce } = options;
  /** A write has committed (or failed): forget it here, and tell the other nodes. */
  const committed = async (list: Invalidation[]): Promise<void> => {
    for (const what of list) cache.invalidate(what);
    if (announce && list.length > 0) await Promise.all(list.map(announce));
  };
  // Invalidations of writes made inside a transaction, repeated when it has committed.
  const pending = new WeakMap<object, Invalidation[]>();
  const root = stores.uow.db;

  const wrap = <T extends object>(store: T, pass: Set<string>, scopes: Record<string, Scope>, touch?: (args: unknown[]) => void): T =>
    new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string' || typeof value !== 'function' || pass.has(prop)) return value;
        const method = value as (...args: unknown[]) => Promise<unknown>;
        if (prop === 'touch' && touch) {
          return async (...args: unknown[]) => {
            const result = await method.apply(target, args);
            touch(args);
            return result;
          };
        }
        const scope = scopes[prop] ?? (() => 'all' as const);
        const unchanged = UNCHANGED[prop];
        return async (...args: unknown[]) => {
          const what = scope(args);
          cache.invalidate(what);
          const tx = args[0] as Tx;
          // A write that reports it changed nothing is not repeated after the commit, nor announced.
          let changed = true;
          try {
            const result = await method.apply(target, args);
            changed = !unchanged?.(result);
            return result;
          } finally {
            if (changed && tx === root) await committed([what]);
            else if (changed) pending.set(tx as object, [...(pending.get(tx as object) ?? []), what]);
          }
        };
      },
    });

  const uow: UnitOfWork = {
    db: root,
    async transaction(fn) {
      let opened: Tx | undefined;
      try {
        return await stores.uow.transaction((tx) => {
          opened = tx;
          return fn(tx);
        });
      } finally {
        const list = opened ? pending.get(opened as object) : undefined;
        if (opened) pending.delete(opened as object);
        await committed(list ?? []);
      }
    },
  };

  return {
    uow,
    sessions: wrap(stores.sessions, SESSION_PASS, SESSION_SCOPES, (args) => cache.touched(String(args[1]), Number(args[2]), Number(args[3]))),
    accounts: wrap(stores.accounts, ACCOUNT_PASS, ACCOUNT_SCOPES),
  };
}
