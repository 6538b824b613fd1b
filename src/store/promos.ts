/** PromoStore on Kysely. Redemption is one conditional UPDATE, so a code is never used past its limit. */
import { sql } from 'kysely';
import type { PromoCode, PromoStore } from '../core/promo/ports.js';
import { translateWriteError } from './db-errors.js';
import { q } from './handle.js';

/** The promo code store. */
export function createPromoStore(): PromoStore {
  return {
    async insert(tx, p) {
      await q(tx)
        .insertInto('promo_codes')
        .values({
          code: p.code,
          max_uses: p.maxUses,
          uses: p.uses,
          expires_at: p.expiresAt,
          note: p.note,
          created_at: p.createdAt,
        })
        .execute()
        .catch(translateWriteError);
    },

    async list(tx) {
      const rows = await q(tx).selectFrom('promo_codes').selectAll().orderBy('created_at', 'desc').execute();
      return rows.map(
        (r): PromoCode => ({
          code: r.code,
          maxUses: r.max_uses,
          uses: r.uses,
          expiresAt: r.expires_at,
          note: r.note,
          createdAt: r.created_at,
        }),
      );
    },

    async redeem(tx, code, now) {
      const result = await q(tx)
        .updateTable('promo_codes')
        .set({ uses: sql`uses + 1` })
        .where('code', '=', code)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
