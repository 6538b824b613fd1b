/**
 * Refresh chains rotate in place: a token session keeps one row for its whole family, whose
 * `generation` counts the rotations and whose `chain_hash` is the SHA-256 of the current
 * refresh secret (null until the first rotation, when `secret_hash` is current). `chain_at` is
 * when the current generation was issued. Rows written by earlier releases (one row per
 * rotation) keep working unchanged: the new columns only add.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sessions').addColumn('chain_hash', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('chain_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('chain_at').execute();
  await db.schema.alterTable('sessions').dropColumn('chain_hash').execute();
  await db.schema.alterTable('sessions').dropColumn('generation').execute();
}
