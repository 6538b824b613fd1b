/**
 * Promo codes: added by an operator (CLI), redeemed at sign-up. Codes are compared
 * case-insensitively (stored upper-case); a code has an optional use limit and expiry, and a
 * redemption is one atomic conditional UPDATE, so a code is never used past its limit.
 */
import type { CoreDeps } from '../deps.js';
import { AuthError } from '../errors.js';
import { UniqueViolation } from '../ports.js';
import type { PromoCode } from './ports.js';
import type { PromoInput } from './ports.js';

const CODE_SHAPE = /^[A-Z0-9_-]{1,64}$/;
const MAX_NOTE = 500;

type PromoDeps = Pick<CoreDeps, 'uow' | 'promos' | 'clock'>;

/** The stored form of a promo code: trimmed and upper-cased; INVALID_INPUT if malformed. */
export function normalizePromoCode(input: string): string {
  const code = input.trim().toUpperCase();
  if (!CODE_SHAPE.test(code)) {
    throw new AuthError('INVALID_INPUT', 'a promo code is 1 to 64 letters, digits, - or _', { field: 'promo' });
  }
  return code;
}

function invalid(field: string, message: string): AuthError {
  return new AuthError('INVALID_INPUT', message, { field });
}

/** Adds a promo code; INVALID_INPUT when it is malformed or exists already. */
export async function addPromoCode(deps: PromoDeps, input: PromoInput): Promise<PromoCode> {
  let code: string;
  try {
    code = normalizePromoCode(input.code);
  } catch {
    throw invalid('code', 'a promo code is 1 to 64 letters, digits, - or _');
  }
  const maxUses = input.maxUses ?? null;
  if (maxUses !== null && (!Number.isSafeInteger(maxUses) || maxUses < 1)) throw invalid('maxUses', 'maxUses must be a whole number of at least 1');
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && !Number.isSafeInteger(expiresAt)) throw invalid('expiresAt', 'expiresAt must be a time in milliseconds');
  const note = input.note ?? null;
  if (note !== null && (note.length > MAX_NOTE || /[\p{Cc}]/u.test(note))) {
    throw invalid('note', `note must be at most ${MAX_NOTE} characters without control characters`);
  }
  const promo: PromoCode = { code, maxUses, uses: 0, expiresAt, note, createdAt: deps.clock.now() };
  try {
    await deps.promos.insert(deps.uow.db, promo);
  } catch (err) {
    if (err instanceof UniqueViolation) throw invalid('code', `the promo code ${code} exists already`);
    throw err;
  }
  return promo;
}

/** Every promo code, newest first. */
export function listPromoCodes(deps: PromoDeps): Promise<PromoCode[]> {
  return deps.promos.list(deps.uow.db);
}
