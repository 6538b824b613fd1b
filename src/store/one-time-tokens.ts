/** OneTimeTokenStore on Kysely. Consumption is one conditional UPDATE, so a token is used at most once. */
import type { OneTimeToken, OneTimeTokenStore } from '../core/email-flows/ports.js';
import { q } from './handle.js';
import type { OneTimeTokensTable } from './schema.js';

function toToken(row: OneTimeTokensTable): OneTimeToken {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    accountId: row.account_id,
    purpose: row.purpose,
    email: row.email,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  };
}

/** The one-time token store. */
export function createOneTimeTokenStore(): OneTimeTokenStore {
  return {
    async insert(tx, t) {
      await q(tx)
        .insertInto('one_time_tokens')
        .values({
          id: t.id,
          token_hash: t.tokenHash,
          account_id: t.accountId,
          purpose: t.purpose,
          email: t.email,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          used_at: t.usedAt,
        })
        .execute();
    },

    async consume(tx, tokenHash, purpose, now) {
      const row = await q(tx)
        .updateTable('one_time_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row ? toToken(row) : null;
    },

    async findUsable(tx, tokenHash, purpose, now) {
      const row = await q(tx)
        .selectFrom('one_time_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row ? toToken(row) : null;
    },

    async voidForAccount(tx, accountId, purpose, now) {
      await q(tx)
        .updateTable('one_time_tokens')
        .set({ used_at: now })
        .where('account_id', '=', accountId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .execute();
    },
  };
}
