/** AppPasswordStore on Kysely: app passwords for HTTP Basic clients, SHA-256 of the secret only. */
import type { AppPassword, AppPasswordStore } from '../core/mfa/ports.js';
import { q } from './handle.js';
import type { AppPasswordsTable } from './schema.js';
import { numberOrNull } from './rows.js';

function toAppPassword(row: Omit<AppPasswordsTable, 'secret_hash'>): AppPassword {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    createdAt: Number(row.created_at),
    lastUsedAt: numberOrNull(row.last_used_at),
  };
}

const COLUMNS = ['id', 'account_id', 'name', 'created_at', 'last_used_at'] as const;

/** The app-password store. */
export function createAppPasswordStore(): AppPasswordStore {
  return {
    async insert(tx, p, secretHash) {
      await q(tx)
        .insertInto('app_passwords')
        .values({ id: p.id, account_id: p.accountId, name: p.name, secret_hash: secretHash, created_at: p.createdAt, last_used_at: p.lastUsedAt })
        .execute();
    },

    async list(tx, accountId) {
      const rows = await q(tx).selectFrom('app_passwords').select(COLUMNS).where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toAppPassword);
    },

    async findBySecretHash(tx, accountId, secretHash) {
      const row = await q(tx).selectFrom('app_passwords').select(COLUMNS).where('secret_hash', '=', secretHash).where('account_id', '=', accountId).executeTakeFirst();
      return row ? toAppPassword(row) : null;
    },

    async markUsed(tx, id, now) {
      await q(tx).updateTable('app_passwords').set({ last_used_at: now }).where('id', '=', id).execute();
    },

    async delete(tx, accountId, id) {
      const result = await q(tx).deleteFrom('app_passwords').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
