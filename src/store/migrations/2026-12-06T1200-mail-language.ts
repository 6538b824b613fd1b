/**
 * The language of emails (docs/branding.md#language): `accounts.locale` is the language an
 * account's emails are written in (set at sign-up from the request's language, changed by its
 * owner; null: DEFAULT_LANGUAGE), and `outbox.language` the language a queued message is rendered
 * in when it is sent. Both nullable, so rows written by a node of an earlier release stay valid.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('locale', 'text').execute();
  await db.schema.alterTable('outbox').addColumn('language', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('language').execute();
  await db.schema.alterTable('accounts').dropColumn('locale').execute();
}
