/** ServiceKeyStore on Kysely. A live name is unique by a partial index, so two adds of one name cannot both win. */
import type { ServiceKey, ServiceKeyStore } from '../core/service-access/ports.js';
import { translateWriteError } from './db-errors.js';
import { q } from './handle.js';
import type { ServiceKeysTable } from './schema.js';
import { numberOrNull } from './rows.js';

function toServiceKey(row: ServiceKeysTable): ServiceKey {
  return {
    id: row.id,
    name: row.name,
    keyHash: row.key_hash,
    rateLimit: Number(row.rate_limit),
    createdAt: Number(row.created_at),
    lastUsedAt: numberOrNull(row.last_used_at),
    revokedAt: numberOrNull(row.revoked_at),
  };
}

/** The service key store. */
export function createServiceKeyStore(): ServiceKeyStore {
  return {
    async insert(tx, key) {
      await q(tx)
        .insertInto('service_keys')
        .values({
          id: key.id,
          name: key.name,
          key_hash: key.keyHash,
          rate_limit: key.rateLimit,
          created_at: key.createdAt,
          last_used_at: key.lastUsedAt,
          revoked_at: key.revokedAt,
        })
        .execute()
        .catch(translateWriteError);
    },

    async findById(tx, id) {
      const row = await q(tx).selectFrom('service_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toServiceKey(row) : null;
    },

    async findLiveByName(tx, name) {
      const row = await q(tx).selectFrom('service_keys').selectAll().where('name', '=', name).where('revoked_at', 'is', null).executeTakeFirst();
      return row ? toServiceKey(row) : null;
    },

    async list(tx) {
      const rows = await q(tx).selectFrom('service_keys').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toServiceKey);
    },

    async revoke(tx, id, now) {
      const result = await q(tx).updateTable('service_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async markUsed(tx, id, now) {
      await q(tx).updateTable('service_keys').set({ last_used_at: now }).where('id', '=', id).execute();
    },
  };
}
