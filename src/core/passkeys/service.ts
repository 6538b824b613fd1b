/**
 * The passkey part of the accounts service (`service.secondFactor.passkeys`): adding, listing and
 * removing passkeys, signing in with one on the pages (first factor or second step), and the
 * passkey form of the owner's proof. Each method is one flow of the modules beside it.
 */
import type { ClientContext } from '../ports.js';
import type { CoreDeps } from '../deps.js';
import type { OwnerProof } from '../mfa/owner-proof.js';
import { openCookieSession, type CookieLogin } from '../sessions/cookie-sessions.js';
import type { Passkey } from './ports.js';
import { finishPasskeyRegistration, listPasskeys, removePasskey, startPasskeyRegistration, type RegisteredPasskey } from './register.js';
import { completeSecondStepWithPasskey, finishPasskeySignIn, startOwnerProof, startPasskeySecondStep, startPasskeySignIn } from './sign-in.js';

/** Options for `navigator.credentials.create/get`, as JSON. */
export type PasskeyOptions = Record<string, unknown>;

export interface PasskeyService {
  /** The account's passkeys, oldest first. */
  list(accountId: string): Promise<Passkey[]>;
  /** Starts adding a passkey (the owner's proof required): registration options. */
  startRegistration(accountId: string, proof: OwnerProof, ctx: ClientContext): Promise<PasskeyOptions>;
  /** Finishes adding a passkey with the browser's response; the recovery codes when it is the first factor. */
  finishRegistration(accountId: string, name: string, response: unknown, ctx: ClientContext): Promise<RegisteredPasskey>;
  /** Removes a passkey (the owner's proof required). */
  remove(accountId: string, passkeyId: string, proof: OwnerProof, ctx: ClientContext): Promise<void>;
  /** Options for a passwordless sign-in. */
  startSignIn(ctx: ClientContext): Promise<PasskeyOptions>;
  /** A passwordless sign-in: a new cookie session with `amr` hwk. */
  signIn(response: unknown, ctx: ClientContext): Promise<CookieLogin>;
  /** Options for completing a login's pending second step with a passkey. */
  startSecondStep(mfaToken: string, ctx: ClientContext): Promise<PasskeyOptions>;
  /** Completes a cookie login's second step with a passkey: the new cookie session (`amr` pwd hwk). */
  completeCookieLogin(mfaToken: string, response: unknown, ctx: ClientContext): Promise<CookieLogin>;
  /** Options for the passkey assertion of an owner's proof. */
  startOwnerProof(accountId: string): Promise<PasskeyOptions>;
}

/** Binds the passkey flows to their dependencies. */
export function createPasskeyService(deps: CoreDeps): PasskeyService {
  return {
    list: (accountId) => listPasskeys(deps, accountId),
    startRegistration: (accountId, proof, ctx) => startPasskeyRegistration(deps, accountId, proof, ctx),
    finishRegistration: (accountId, name, response, ctx) => finishPasskeyRegistration(deps, accountId, name, response, ctx),
    remove: (accountId, passkeyId, proof, ctx) => removePasskey(deps, accountId, passkeyId, proof, ctx),
    startSignIn: (ctx) => startPasskeySignIn(deps, ctx),
    signIn: async (response, ctx) => openCookieSession(deps, await finishPasskeySignIn(deps, response, ctx), ctx, ['hwk']),
    startSecondStep: (mfaToken, ctx) => startPasskeySecondStep(deps, mfaToken, ctx),
    completeCookieLogin: async (mfaToken, response, ctx) => {
      const done = await completeSecondStepWithPasskey(deps, mfaToken, response, ctx);
      return openCookieSession(deps, done.account, ctx, done.amr);
    },
    startOwnerProof: (accountId) => startOwnerProof(deps, accountId),
  };
}
