/**
 * The accounts service: the one object every surface calls. Each method is one flow from the
 * modules beside it; this file only binds them to their dependencies.
 */
import { registerAccount, type RegistrationInput } from './accounts/register.js';
import { authenticatePassword, prepareDummyHash } from './credentials/authenticate.js';
import type { ClientContext, CoreDeps } from './deps.js';
import type { Account } from './ports.js';
import {
  loginForTokens,
  logoutAccessToken,
  resolveAccessToken,
  rotateRefreshToken,
  type AuthenticatedSession,
  type TokenPair,
} from './tokens/token-sessions.js';

export interface AccountsService {
  /** Creates an active account with a username and password. */
  registerAccount(input: RegistrationInput): Promise<Account>;
  /** The active account for these credentials, or INVALID_CREDENTIALS. */
  authenticatePassword(identifier: string, password: string): Promise<Account>;
  /** Password login on the token surface: a new session and its token pair. */
  loginForTokens(identifier: string, password: string, ctx: ClientContext): Promise<TokenPair>;
  /** Rotates a refresh token (with reuse detection) into a new pair. */
  rotateRefreshToken(refresh: string, ctx: ClientContext): Promise<TokenPair>;
  /** The session and account behind an access token, or NOT_AUTHENTICATED. */
  resolveAccessToken(token: string): Promise<AuthenticatedSession>;
  /** Ends the session (and refresh family) of an access token. */
  logoutAccessToken(token: string): Promise<void>;
  /** Resolves once start-up work (the dummy hash) is done. */
  ready(): Promise<void>;
}

/** Binds the core flows to their dependencies. */
export function createAccountsService(deps: CoreDeps): AccountsService {
  const warmUp = prepareDummyHash(deps);
  return {
    registerAccount: (input) => registerAccount(deps, input),
    authenticatePassword: (identifier, password) => authenticatePassword(deps, identifier, password),
    loginForTokens: (identifier, password, ctx) => loginForTokens(deps, identifier, password, ctx),
    rotateRefreshToken: (refresh, ctx) => rotateRefreshToken(deps, refresh, ctx),
    resolveAccessToken: (token) => resolveAccessToken(deps, token),
    logoutAccessToken: (token) => logoutAccessToken(deps, token),
    ready: async () => {
      await warmUp;
    },
  };
}

export type { AuthenticatedSession, TokenPair } from './tokens/token-sessions.js';
export type { ClientContext, CorePolicy } from './deps.js';
