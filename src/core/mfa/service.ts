/**
 * The second-factor part of the accounts service (`service.secondFactor`): enrolment, the
 * owner's changes, an operator's reset, and completing a login's second step on the token and
 * cookie surfaces. Each method is one flow of the modules beside it.
 */
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import type { Account } from '../accounts/ports.js';
import { checkBasicCredentials, createAppPassword, listAppPasswords, revokeAppPassword, type NewAppPassword } from './app-passwords.js';
import type { AppPassword } from './ports.js';
import { openCookieSession, type CookieLogin } from '../sessions/cookie-sessions.js';
import { openTokenSession, type TokenPair } from '../tokens/token-sessions.js';
import {
  confirmTotpEnrolment,
  disableTotp,
  regenerateRecoveryCodes,
  resetSecondFactor,
  secondFactorStatus,
  startTotpEnrolment,
  type SecondFactorStatus,
  type TotpEnrolment,
} from './enrol.js';
import type { OwnerProof } from './owner-proof.js';
import { completeSecondStep } from './second-step.js';
import { mustEnrol } from './require.js';
import { createPasskeyService, type PasskeyService } from '../passkeys/service.js';

export interface SecondFactorService {
  /** Whether TOTP is on and how many recovery codes are left. */
  status(accountId: string): Promise<SecondFactorStatus>;
  /** Starts TOTP enrolment (password required): the secret and its otpauth URI. */
  startTotpEnrolment(accountId: string, proof: OwnerProof, ctx: ClientContext): Promise<TotpEnrolment>;
  /** Confirms TOTP with a first code; resolves to ten recovery codes, shown once. */
  confirmTotpEnrolment(accountId: string, code: string, ctx: ClientContext): Promise<string[]>;
  /** Turns TOTP off (password and code required). */
  disableTotp(accountId: string, proof: OwnerProof, ctx: ClientContext): Promise<void>;
  /** New recovery codes in place of the old (password and code required). */
  regenerateRecoveryCodes(accountId: string, proof: OwnerProof, ctx: ClientContext): Promise<string[]>;
  /** An operator's reset for a lost device (CLI, admin API). */
  resetSecondFactor(accountId: string, ctx: ClientContext): Promise<{ removed: number }>;
  /** The account's app passwords, newest first. */
  listAppPasswords(accountId: string): Promise<AppPassword[]>;
  /** Makes an app password (password and, with a factor on, a code required); its secret is shown once. */
  createAppPassword(accountId: string, name: string, proof: OwnerProof, ctx: ClientContext): Promise<NewAppPassword>;
  /** Revokes an app password (password and, with a factor on, a code required). */
  revokeAppPassword(accountId: string, id: string, proof: OwnerProof, ctx: ClientContext): Promise<void>;
  /** HTTP Basic's check of credentials (GET /api/): an app password or the real password. */
  checkBasicCredentials(identifier: string, secret: string, ctx: ClientContext): Promise<Account>;
  /** Completes a token login's second step: the token pair, its session's `amr` recorded. */
  completeTokenLogin(mfaToken: string, code: string, ctx: ClientContext): Promise<TokenPair>;
  /** Completes a cookie login's second step: the new cookie session. */
  completeCookieLogin(mfaToken: string, code: string, ctx: ClientContext): Promise<CookieLogin>;
  /** True when REQUIRE_MFA holds the account to enrolling a second factor (src/core/mfa/require.ts). */
  mustEnrol(accountId: string): Promise<boolean>;
  /** Passkeys: add, list, remove, sign in (src/core/passkeys/service.ts). */
  passkeys: PasskeyService;
}

/** Binds the second-factor flows to their dependencies. */
export function createSecondFactorService(deps: CoreDeps): SecondFactorService {
  return {
    status: (accountId) => secondFactorStatus(deps, accountId),
    startTotpEnrolment: (accountId, proof, ctx) => startTotpEnrolment(deps, accountId, proof, ctx),
    confirmTotpEnrolment: (accountId, code, ctx) => confirmTotpEnrolment(deps, accountId, code, ctx),
    disableTotp: (accountId, proof, ctx) => disableTotp(deps, accountId, proof, ctx),
    regenerateRecoveryCodes: (accountId, proof, ctx) => regenerateRecoveryCodes(deps, accountId, proof, ctx),
    resetSecondFactor: (accountId, ctx) => resetSecondFactor(deps, accountId, ctx),
    listAppPasswords: (accountId) => listAppPasswords(deps, accountId),
    createAppPassword: (accountId, name, proof, ctx) => createAppPassword(deps, accountId, name, proof, ctx),
    revokeAppPassword: (accountId, id, proof, ctx) => revokeAppPassword(deps, accountId, id, proof, ctx),
    checkBasicCredentials: (identifier, secret, ctx) => checkBasicCredentials(deps, identifier, secret, ctx),
    completeTokenLogin: async (mfaToken, code, ctx) => {
      const done = await completeSecondStep(deps, mfaToken, code, ctx);
      return openTokenSession(deps, done.account, ctx, done.amr);
    },
    completeCookieLogin: async (mfaToken, code, ctx) => {
      const done = await completeSecondStep(deps, mfaToken, code, ctx);
      return openCookieSession(deps, done.account, ctx, done.amr);
    },
    mustEnrol: (accountId) => mustEnrol(deps, accountId),
    passkeys: createPasskeyService(deps),
  };
}
