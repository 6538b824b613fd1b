/**
 * One namespace of login identifiers (docs/decisions.md, "One namespace of login identifiers"):
 * every username key and email key of every account is a row of `login_identifiers`, whose
 * primary key makes one text name at most one account. An account may use the same text as
 * username and email (one row, kind `both`).
 *
 * Existing data may break the rule: an account whose username equals another account's email.
 * The migration does not fail on it. The email keeps the identifier; the username is left out
 * of the table (so it no longer logs in, nor receives resets) and the pair is recorded in
 * `login_identifier_collisions`, which `latchkey migrate` (a warning line with the count)
 * and `latchkey user collisions` report until an operator renames the username
 * (`latchkey user rename`).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_identifiers')
    .addColumn('identifier', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_identifiers_account_id').on('login_identifiers').column('account_id').execute();

  await db.schema
    .createTable('login_identifier_collisions')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('other_account_id', 'text', (c) => c.notNull())
    .addColumn('found_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('login_identifier_collisions_pkey', ['account_id', 'identifier'])
    .execute();

  // Emails are unique among themselves: every one goes in.
  await sql`insert into login_identifiers (identifier, account_id, kind)
    select email_key, id, case when username_key = email_key then 'both' else 'email' end
    from accounts where email_key is not null`.execute(db);
  // A username equal to another account's email: recorded, left out.
  const now = Date.now();
  await sql`insert into login_identifier_collisions (account_id, identifier, other_account_id, found_at)
    select a.id, a.username_key, b.id, ${now}
    from accounts a join accounts b on b.email_key = a.username_key and b.id <> a.id`.execute(db);
  // Every other username (usernames are unique among themselves).
  await sql`insert into login_identifiers (identifier, account_id, kind)
    select a.username_key, a.id, 'username' from accounts a
    where a.username_key is not null
      and not exists (select 1 from login_identifiers i where i.identifier = a.username_key)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_identifier_collisions').execute();
  await db.schema.dropTable('login_identifiers').execute();
}
