/** AccountStore on Kysely. */
import type { Account, AccountStore } from '../core/ports.js';
import { translateWriteError } from './db-errors.js';
import { q } from './handle.js';
import type { AccountRow } from './schema.js';

/** Maps a stored row to the core's Account. */
export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    emailVerifiedAt: row.email_verified_at,
    passwordHash: row.password_hash,
    status: row.status,
    promoCode: row.promo_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The account store. */
export function createAccountStore(): AccountStore {
  return {
    async insert(tx, a) {
      await q(tx)
        .insertInto('accounts')
        .values({
          id: a.id,
          username: a.username,
          username_key: a.usernameKey,
          email: a.email,
          email_key: a.emailKey,
          email_verified_at: null,
          password_hash: a.passwordHash,
          status: a.status,
          promo_code: a.promoCode ?? null,
          created_at: a.createdAt,
          updated_at: a.createdAt,
        })
        .execute()
        .catch(translateWriteError);
    },

    async findById(tx, id) {
      const row = await q(tx).selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toAccount(row) : null;
    },

    async findByLoginKey(tx, key) {
      const byName = await q(tx).selectFrom('accounts').selectAll().where('username_key', '=', key).executeTakeFirst();
      if (byName) return toAccount(byName);
      const byEmail = await q(tx).selectFrom('accounts').selectAll().where('email_key', '=', key).executeTakeFirst();
      return byEmail ? toAccount(byEmail) : null;
    },

    async replacePasswordHash(tx, id, expected, next, now) {
      await q(tx)
        .updateTable('accounts')
        .set({ password_hash: next, updated_at: now })
        .where('id', '=', id)
        .where('password_hash', '=', expected)
        .execute();
    },

    async findByEmailKey(tx, emailKey) {
      const row = await q(tx).selectFrom('accounts').selectAll().where('email_key', '=', emailKey).executeTakeFirst();
      return row ? toAccount(row) : null;
    },

    async setPasswordHash(tx, id, passwordHash, now) {
      await q(tx).updateTable('accounts').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
    },

    async activateWithPassword(tx, id, emailKey, passwordHash, now) {
      const result = await q(tx)
        .updateTable('accounts')
        .set({ password_hash: passwordHash, email_verified_at: now, status: 'active', updated_at: now })
        .where('id', '=', id)
        .where('email_key', '=', emailKey)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deleteAccount(tx, id) {
      const result = await q(tx).deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
