/**
 * A refresh chain's rotations per minute (docs/decisions.md, "Refresh tokens carry their
 * generation"): `rotation_window_at` starts the current minute, `rotation_count` counts the
 * rotations in it. Both are written by the rotation's own row update, so the limit costs no
 * extra statement. Rows of earlier releases start with no window; a node of an earlier release
 * rotates without touching them (its rotations are not counted).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('rotation_window_at', 'bigint').execute();
  await db.schema.alterTable('sessions').addColumn('rotation_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('rotation_count').execute();
  await db.schema.alterTable('sessions').dropColumn('rotation_window_at').execute();
}
