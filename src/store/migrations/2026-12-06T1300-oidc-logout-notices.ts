/**
 * OpenID Connect Back-Channel Logout, sent from a durable place (docs/decisions.md, "Back-channel
 * logout from an outbox"):
 * - oidc_session_grants.sid: the provider's session id the grant's codes were issued under, so
 *   the logout token names the session the client knows (its id token's `sid`).
 * - oidc_logout_notices: one row per logout token still to be sent to a client's
 *   backchannel_logout_uri; written in the same transaction that ends the grant, deleted once
 *   the client answered 200, retried with back-off (next_attempt_at doubles as the lease of the
 *   node sending it). Holds no token: the token is signed when it is sent.
 * The same statements on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('oidc_session_grants').addColumn('sid', 'text').execute();
  await db.schema
    .createTable('oidc_logout_notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('sid', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('oidc_logout_notices_due').on('oidc_logout_notices').column('next_attempt_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oidc_logout_notices').execute();
  await db.schema.alterTable('oidc_session_grants').dropColumn('sid').execute();
}
