/** What the core is built from: its ports and the policy numbers it enforces. */
import type {
  AccessTokenSigner,
  AccountStore,
  Clock,
  KeyStore,
  PasswordHasher,
  SessionStore,
  UnitOfWork,
} from './ports.js';

/** Lifetimes in seconds and the password rules. */
export interface CorePolicy {
  accessTokenTtl: number;
  refreshIdleTtl: number;
  refreshAbsoluteTtl: number;
  refreshReuseGrace: number;
  sessionIdleTtl: number;
  sessionAbsoluteTtl: number;
  passwordMinLength: number;
  /** A session's last-seen time is written at most this often (seconds), to keep reads cheap. */
  touchInterval: number;
}

export interface CoreDeps {
  uow: UnitOfWork;
  accounts: AccountStore;
  sessions: SessionStore;
  keys: KeyStore;
  hasher: PasswordHasher;
  signer: AccessTokenSigner;
  clock: Clock;
  policy: CorePolicy;
  /** Server secret that keys refresh-token successors (shared by every node through the database). */
  refreshKey: string;
}

/** Where a request came from, recorded on sessions. */
export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
}
