/**
 * Service credentials (docs/decisions.md, "Service access and introspection"): one row per key a back-end service uses to call the
 * introspection endpoint. Only the SHA-256 of the key's secret is stored. A name is unique among
 * keys that are not revoked (a partial unique index, on both databases), so a revoked name can be
 * reused; revoked rows stay, so `latchkey service list` shows what was revoked and when.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('service_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('rate_limit', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('service_keys_live_name')
    .unique()
    .on('service_keys')
    .column('name')
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('service_keys').execute();
}
