/** Promo codes and their store. */
import type { Tx } from '../ports.js';

export interface PromoCode {
  code: string;
  maxUses: number | null;
  uses: number;
  expiresAt: number | null;
  note: string | null;
  createdAt: number;
}

export interface PromoStore {
  /** Adds a promo code; throws UniqueViolation('other') if it exists. */
  insert(tx: Tx, promo: PromoCode): Promise<void>;
  /** Every promo code, newest first. */
  list(tx: Tx): Promise<PromoCode[]>;
  /** Counts one use if the code exists, is unexpired and not used up; false otherwise. Atomic. */
  redeem(tx: Tx, code: string, now: number): Promise<boolean>;
}

/** A promo code to add (the operator's input). */
export interface PromoInput {
  code: string;
  maxUses?: number | null;
  expiresAt?: number | null;
  note?: string | null;
}
