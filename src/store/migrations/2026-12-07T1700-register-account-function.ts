/**
 * PostgreSQL only: a sign-up's account in one round trip (docs/decisions.md, "Logins on
 * PostgreSQL: fewer round trips", its part on register). `latchkey_register_account(account,
 * claims, audit)` inserts the account row, claims each of its login identifiers in the one
 * namespace (`login_identifiers`) and writes the `register` audit row; called as one statement
 * outside a transaction, it is the transaction (BEGIN, the account, each claim, the audit row and
 * COMMIT were five or six round trips). `claims` is a JSON array of `{identifier, kind, column}`
 * (src/store/accounts.ts claimsOf). An identifier another account holds, or claims at the same
 * moment, raises a unique violation naming the `login_identifiers` constraint with the account
 * column it came from (`username` or `email`) in the error's column field, and nothing stays
 * written: the statement is atomic. `on conflict do nothing` waits for a concurrent claim of the
 * same identifier to commit or roll back, as the plain insert's unique index does. Rows are read
 * with `jsonb_populate_record` over the tables' row types, as in
 * 2026-12-07T1600-open-session-function.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create or replace function latchkey_register_account(p_account jsonb, p_claims jsonb, p_audit jsonb) returns void
language plpgsql volatile as $$
declare
  v_claim jsonb;
begin
  insert into accounts select (jsonb_populate_record(null::accounts, p_account)).*;
  for v_claim in select value from jsonb_array_elements(p_claims) loop
    insert into login_identifiers (identifier, account_id, kind)
      values (v_claim ->> 'identifier', p_account ->> 'id', v_claim ->> 'kind')
      on conflict do nothing;
    if not found then
      raise unique_violation using
        message = 'login_identifiers: the ' || (v_claim ->> 'column') || ' is taken',
        constraint = 'login_identifiers_pkey',
        column = v_claim ->> 'column';
    end if;
  end loop;
  insert into audit_events select (jsonb_populate_record(null::audit_events, p_audit)).*;
end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop function if exists latchkey_register_account(jsonb, jsonb, jsonb)`.execute(db);
}
