/** KeyStore on Kysely: JWT signing keys and named server secrets, shared by every node. */
import type { KeyStore, SigningKeyRecord } from '../core/ports.js';
import { q } from './handle.js';

/** The key store. */
export function createKeyStore(): KeyStore {
  return {
    async listSigningKeys(tx) {
      const rows = await q(tx).selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
      return rows.map(
        (r): SigningKeyRecord => ({
          kid: r.kid,
          alg: r.alg,
          privateJwk: r.private_jwk,
          publicJwk: r.public_jwk,
          createdAt: r.created_at,
          retiredAt: r.retired_at,
        }),
      );
    },

    async insertSigningKey(tx, k) {
      await q(tx)
        .insertInto('signing_keys')
        .values({
          kid: k.kid,
          alg: k.alg,
          private_jwk: k.privateJwk,
          public_jwk: k.publicJwk,
          created_at: k.createdAt,
          retired_at: k.retiredAt,
        })
        .onConflict((oc) => oc.column('kid').doNothing())
        .execute();
    },

    async retireSigningKey(tx, kid, now) {
      const result = await q(tx).updateTable('signing_keys').set({ retired_at: now }).where('kid', '=', kid).where('retired_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async getOrCreateSecret(tx, name, generate, now) {
      // Insert-if-absent, then read: whichever node wins the insert, all read the same value.
      await q(tx)
        .insertInto('server_secrets')
        .values({ name, value: generate(), created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const row = await q(tx).selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      return row.value;
    },
  };
}
