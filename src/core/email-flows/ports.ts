/** Emailed links (confirmation and reset): single-use tokens and their store. */
import type { Tx } from '../ports.js';

export type OneTimePurpose = 'confirm' | 'reset' | 'email_change';

/** A single-use emailed link token; only its SHA-256 is stored. */
export interface OneTimeToken {
  id: string;
  tokenHash: string;
  accountId: string;
  purpose: OneTimePurpose;
  /** The address the link was sent to; the token is void if the account's email changed. */
  email: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface OneTimeTokenStore {
  /** Stores a new token. */
  insert(tx: Tx, token: OneTimeToken): Promise<void>;
  /**
   * Marks the unused, unexpired token with this hash as used and returns it; null when there is
   * none. Atomic (a conditional UPDATE), so of two concurrent uses exactly one gets the token.
   */
  consume(tx: Tx, tokenHash: string, purpose: OneTimePurpose, now: number): Promise<OneTimeToken | null>;
  /** The token with this hash if unused and unexpired, without consuming it (for showing a form). */
  findUsable(tx: Tx, tokenHash: string, purpose: OneTimePurpose, now: number): Promise<OneTimeToken | null>;
  /** Voids every unused token of an account for a purpose (a newer link, a password change). */
  voidForAccount(tx: Tx, accountId: string, purpose: OneTimePurpose, now: number): Promise<void>;
}

/** What a visitor sends to sign up by email. */
export interface SignUpInput {
  email: string;
  promo?: string | undefined;
  /** An allow-listed `return_to` the confirmation link carries (README "Back to the app"). */
  returnTo?: string | undefined;
  /** The language the visitor chose (the pages' language); unset: the request's Accept-Language (ClientContext.language). */
  locale?: string | undefined;
}
