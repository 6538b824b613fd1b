/**
 * The accounts service: the one object every surface calls. Each method is one flow from the
 * modules beside it; this file only binds them to their dependencies.
 */
import { deleteAccount } from './accounts/delete.js';
import { deleteOwnAccount } from './accounts/delete-own.js';
import { setAccountLocale } from './accounts/locale.js';
import { checkEmailChangeToken, confirmEmailChange, requestEmailChange } from './accounts/change-email.js';
import { registerAccount, type RegistrationInput } from './accounts/register.js';
import { registerDomainAccount } from './accounts/register-domain.js';
import { authenticatePassword, prepareDummyHash } from './credentials/authenticate.js';
import type { CoreDeps } from './deps.js';
import type { ClientContext } from './ports.js';
import { checkConfirmToken, confirmAccount } from './email-flows/confirm.js';
import type { LinkOptions } from './email-flows/link-tokens.js';
import { confirmAndSignIn, resetAndSignIn, type LinkOutcome } from './email-flows/sign-in-after-link.js';
import { resendConfirmation, signUpWithEmail } from './email-flows/sign-up.js';
import { createSecondFactorService, type SecondFactorService } from './mfa/service.js';
import { changePassword } from './passwords/change.js';
import { checkResetToken, completePasswordReset, requestPasswordReset } from './passwords/reset.js';
import { addPromoCode, listPromoCodes } from './promo/promo-codes.js';
import type { Account } from './accounts/ports.js';
import type { PromoCode, PromoInput } from './promo/ports.js';
import type { SignUpInput } from './email-flows/ports.js';
import type { ChangePasswordOptions } from './passwords/ports.js';
import {
  isValidCsrfToken,
  loginForCookie,
  loginForPage,
  logoutCookieSession,
  resolveCookieSession,
  type CookieLogin,
  type PageLogin,
} from './sessions/cookie-sessions.js';
import { listSessions, revokeOtherSessions, revokeSession, type OwnSession, type RevokeSessionOptions } from './sessions/own-sessions.js';
import {
  loginForTokens,
  logoutAccessToken,
  resolveAccessToken,
  rotateRefreshToken,
  type AuthenticatedSession,
  type TokenPair,
} from './tokens/token-sessions.js';

export interface AccountsService {
  // --- accounts and password login (all surfaces)
  /** Creates an active account with a username and password (and optional email); THROTTLED past the address's hourly limit. */
  registerAccount(input: RegistrationInput, ctx?: ClientContext): Promise<Account>;
  /** The active account for these credentials, or INVALID_CREDENTIALS. */
  authenticatePassword(identifier: string, password: string, ctx?: ClientContext): Promise<Account>;
  /** Registers an active `user@domain` account (README, "The HTTP Basic API"); INVALID_INPUT for another shape or a domain not allowed. */
  registerDomainAccount(input: RegistrationInput, ctx?: ClientContext): Promise<Account>;

  // --- token sessions (JWT API)
  /** Password login on the token surface: a new session and its token pair. */
  loginForTokens(identifier: string, password: string, ctx: ClientContext): Promise<TokenPair>;
  /** Rotates a refresh token (with reuse detection) into a new pair. */
  rotateRefreshToken(refresh: string, ctx: ClientContext): Promise<TokenPair>;
  /** The live session and active account behind an access token, or null when there is none; throws only for an outage. */
  resolveAccessToken(token: string): Promise<AuthenticatedSession | null>;
  /** Ends the session (and refresh family) of an access token. */
  logoutAccessToken(token: string, ctx?: ClientContext): Promise<void>;

  // --- cookie sessions (cookie-session API, pages)
  /** Password login opening a new cookie session; returns the cookie values. */
  loginForCookie(identifier: string, password: string, ctx: ClientContext): Promise<CookieLogin>;
  /** The pages' password login: as loginForCookie, but REQUIRE_MFA signs a factorless account in to enrol one. */
  loginForPage(identifier: string, password: string, ctx: ClientContext): Promise<PageLogin>;
  /** The live cookie session for a `sessionid` value, or null when there is none; throws only for an outage. */
  resolveCookieSession(secret: string): Promise<AuthenticatedSession | null>;
  /** Ends a cookie session (quietly if already gone). */
  logoutCookieSession(secret: string, ctx?: ClientContext): Promise<void>;
  /** True when `csrfToken` is the CSRF token bound to the session `sessionId`. */
  isValidCsrfToken(sessionId: string, csrfToken: string): boolean;

  // --- a user's own sessions (JWT API, /account page); ids are refresh-family ids
  /** The account's live sessions, the caller's (`currentSessionId`, a session row id) first and marked `current`. */
  listSessions(accountId: string, currentSessionId: string): Promise<OwnSession[]>;
  /** Ends one of the account's own sessions with its refresh family; NOT_FOUND for any id that is not one. */
  revokeSession(accountId: string, id: string, options?: RevokeSessionOptions, ctx?: ClientContext): Promise<{ current: boolean }>;
  /** Ends every session of the account except the caller's; resolves to how many ended. */
  revokeOtherSessions(accountId: string, currentSessionId: string, ctx?: ClientContext): Promise<{ revoked: number }>;

  // --- email sign-up and links
  /**
   * Sign-up with only an email: creates a pending account and queues a confirmation link. An
   * address that already has an account gets the same result and its owner a notice instead.
   * An unknown, expired or used-up promo code is INVALID_INPUT (field `promo`). With `ctx`,
   * counts toward the address's hourly sign-up limit (THROTTLED beyond it), as registerAccount.
   */
  signUpWithEmail(input: SignUpInput, ctx?: ClientContext): Promise<void>;
  /** Queues a fresh confirmation link for a pending account (older links die); quiet for anything else. */
  resendConfirmation(email: string, ctx?: ClientContext, options?: LinkOptions): Promise<void>;
  /** The address a usable confirmation link was sent to, or INVALID_TOKEN. Does not consume it. */
  checkConfirmToken(token: string, ctx?: ClientContext): Promise<{ email: string }>;
  /** Consumes a confirmation link: sets the password, verifies the email, activates the account. */
  confirmAccount(token: string, password: string, ctx?: ClientContext): Promise<Account>;
  /** confirmAccount, then a new cookie session when signInAfterLink allows one (the hosted pages). */
  confirmAndSignIn(token: string, password: string, ctx: ClientContext): Promise<LinkOutcome>;

  // --- passwords
  /**
   * Starts a password reset for a username or email. Resolves identically whether or not an
   * account exists. 'link' mode queues a reset link and changes nothing else; 'new_password'
   * mode sets a generated password, revokes every session and emails the new password. With
   * `ctx`, resets and confirmation resends count toward the address's hourly mail-request limit.
   */
  requestPasswordReset(identifier: string, ctx?: ClientContext, options?: LinkOptions): Promise<void>;
  /** The address a usable reset link was sent to, or INVALID_TOKEN. Does not consume it. */
  checkResetToken(token: string, ctx?: ClientContext): Promise<{ email: string }>;
  /** Consumes a reset link: sets the password, revokes every session, queues a notice. */
  completePasswordReset(token: string, newPassword: string, ctx?: ClientContext): Promise<Account>;
  /** completePasswordReset, then a new cookie session when signInAfterLink allows one (the hosted pages). */
  resetAndSignIn(token: string, newPassword: string, ctx: ClientContext): Promise<LinkOutcome>;
  /** Sets a new password, revokes the other sessions and reset links, queues a notice. */
  changePassword(accountId: string, newPassword: string, options?: ChangePasswordOptions, ctx?: ClientContext): Promise<void>;

  // --- lifecycle
  /** Deletes an account with its sessions, refresh chains and links; queues a notice. */
  deleteAccount(accountId: string, ctx?: ClientContext): Promise<void>;
  /** A signed-in user deleting their own account: the current password first (INVALID_CREDENTIALS, throttled), then deleteAccount. */
  deleteOwnAccount(accountId: string, currentPassword: string, ctx?: ClientContext): Promise<void>;
  /** Sets the language of the account's emails (docs/branding.md#language); INVALID_INPUT (field `locale`) for one not shipped. */
  setLocale(accountId: string, locale: string): Promise<void>;
  /** Starts an email change (current password first): a link to the new address, a notice to the old; the same answer for a taken address. */
  requestEmailChange(accountId: string, currentPassword: string, newEmail: string, ctx?: ClientContext, options?: LinkOptions): Promise<void>;
  /** The new address of a usable email-change link, or INVALID_TOKEN. Does not consume it. */
  checkEmailChangeToken(token: string, ctx?: ClientContext): Promise<{ email: string }>;
  /** Consumes an email-change link: the new address replaces the old one, verified. */
  confirmEmailChange(token: string, ctx?: ClientContext): Promise<Account>;

  // --- promo codes
  /** Adds a promo code; INVALID_INPUT if it exists or is malformed. */
  addPromoCode(input: PromoInput): Promise<PromoCode>;
  /** Every promo code, newest first. */
  listPromoCodes(): Promise<PromoCode[]>;

  /** TOTP, recovery codes and the second step of logins (src/core/mfa). */
  secondFactor: SecondFactorService;

  /** Resolves once start-up work (the dummy hash) is done. */
  ready(): Promise<void>;
}

/** Binds the core flows to their dependencies. */
export function createAccountsService(deps: CoreDeps): AccountsService {
  const warmUp = prepareDummyHash(deps);
  return {
    registerAccount: (input, ctx) => registerAccount(deps, input, ctx),
    authenticatePassword: (identifier, password, ctx) => authenticatePassword(deps, identifier, password, ctx),
    registerDomainAccount: (input, ctx) => registerDomainAccount(deps, input, ctx),

    loginForTokens: (identifier, password, ctx) => loginForTokens(deps, identifier, password, ctx),
    rotateRefreshToken: (refresh, ctx) => rotateRefreshToken(deps, refresh, ctx),
    resolveAccessToken: (token) => resolveAccessToken(deps, token),
    logoutAccessToken: (token, ctx) => logoutAccessToken(deps, token, ctx),

    loginForCookie: (identifier, password, ctx) => loginForCookie(deps, identifier, password, ctx),
    loginForPage: (identifier, password, ctx) => loginForPage(deps, identifier, password, ctx),
    resolveCookieSession: (secret) => resolveCookieSession(deps, secret),
    logoutCookieSession: (secret, ctx) => logoutCookieSession(deps, secret, ctx),
    isValidCsrfToken: (sessionId, csrfToken) => isValidCsrfToken(deps, sessionId, csrfToken),

    listSessions: (accountId, currentSessionId) => listSessions(deps, accountId, currentSessionId),
    revokeSession: (accountId, id, options, ctx) => revokeSession(deps, accountId, id, options, ctx),
    revokeOtherSessions: (accountId, currentSessionId, ctx) => revokeOtherSessions(deps, accountId, currentSessionId, ctx),

    signUpWithEmail: (input, ctx) => signUpWithEmail(deps, input, ctx),
    resendConfirmation: (email, ctx, options) => resendConfirmation(deps, email, ctx, options),
    checkConfirmToken: (token, ctx) => checkConfirmToken(deps, token, ctx),
    confirmAccount: (token, password, ctx) => confirmAccount(deps, token, password, ctx),
    confirmAndSignIn: (token, password, ctx) => confirmAndSignIn(deps, token, password, ctx),
    requestPasswordReset: (identifier, ctx, options) => requestPasswordReset(deps, identifier, ctx, options),
    checkResetToken: (token, ctx) => checkResetToken(deps, token, ctx),
    completePasswordReset: (token, newPassword, ctx) => completePasswordReset(deps, token, newPassword, ctx),
    resetAndSignIn: (token, newPassword, ctx) => resetAndSignIn(deps, token, newPassword, ctx),
    changePassword: (accountId, newPassword, options, ctx) => changePassword(deps, accountId, newPassword, options, ctx),
    deleteAccount: (accountId, ctx) => deleteAccount(deps, accountId, ctx),
    deleteOwnAccount: (accountId, currentPassword, ctx) => deleteOwnAccount(deps, accountId, currentPassword, ctx),
    setLocale: (accountId, locale) => setAccountLocale(deps, accountId, locale),
    requestEmailChange: (accountId, currentPassword, newEmail, ctx, options) => requestEmailChange(deps, accountId, currentPassword, newEmail, ctx, options),
    checkEmailChangeToken: (token, ctx) => checkEmailChangeToken(deps, token, ctx),
    confirmEmailChange: (token, ctx) => confirmEmailChange(deps, token, ctx),
    addPromoCode: (input) => addPromoCode(deps, input),
    listPromoCodes: () => listPromoCodes(deps),
    secondFactor: createSecondFactorService(deps),

    ready: async () => {
      await warmUp;
    },
  };
}

export type { AuthenticatedSession, TokenPair } from './tokens/token-sessions.js';
export type { CookieLogin } from './sessions/cookie-sessions.js';
export type { OwnSession, RevokeSessionOptions } from './sessions/own-sessions.js';
export type { CorePolicy } from './deps.js';
export type { ClientContext } from './ports.js';
export type { SignUpInput } from './email-flows/ports.js';
export type { PromoInput } from './promo/ports.js';
export type { ChangePasswordOptions } from './passwords/ports.js';
export type { LinkOutcome } from './email-flows/sign-in-after-link.js';
export type { LinkOptions } from './email-flows/link-tokens.js';
