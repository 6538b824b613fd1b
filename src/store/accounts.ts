/** AccountStore on Kysely. */
import { sql, type Kysely } from 'kysely';
import type { Account, AccountStore, IdentifierCollision, NewAccount } from '../core/accounts/ports.js';
import type { AuditRowToStore } from '../core/audit/ports.js';
import type { Tx } from '../core/ports.js';
import { translateWriteError } from './db-errors.js';
import { prepared, q } from './handle.js';
import { secondFactorOn } from './mfa.js';
import type { AccountRow, AccountsTable, Database } from './schema.js';

/** How many usernames the login-identifiers migration left out (each is another account's email). */
export async function countIdentifierCollisions(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('login_identifier_collisions').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Maps a stored row to the core's Account. */
export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    emailVerifiedAt: row.email_verified_at,
    passwordHash: row.password_hash,
    status: row.status,
    promoCode: row.promo_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    locale: row.locale ?? null,
  };
}

const ACCOUNT_COLUMNS = [
  'id',
  'username',
  'username_key',
  'email',
  'email_key',
  'email_verified_at',
  'password_hash',
  'status',
  'promo_code',
  'created_at',
  'updated_at',
  'locale',
] as const;

/** A new account's row. */
function rowOfNew(a: NewAccount): AccountsTable {
  return {
    id: a.id,
    username: a.username,
    username_key: a.usernameKey,
    email: a.email,
    email_key: a.emailKey,
    email_verified_at: a.emailVerifiedAt ?? null,
    password_hash: a.passwordHash,
    status: a.status,
    promo_code: a.promoCode ?? null,
    created_at: a.createdAt,
    updated_at: a.createdAt,
    locale: a.locale ?? null,
  };
}

/** A login identifier a new account claims, and the account column an answer names when it is taken. */
interface Claim {
  identifier: string;
  kind: 'username' | 'email' | 'both';
  column: 'username' | 'email';
}

/** What a new account claims: its username and its email, or one `both` claim when they are the same key. */
function claimsOf(a: NewAccount): Claim[] {
  if (a.usernameKey !== null && a.usernameKey === a.emailKey) return [{ identifier: a.usernameKey, kind: 'both', column: 'username' }];
  return [
    ...(a.usernameKey !== null ? [{ identifier: a.usernameKey, kind: 'username' as const, column: 'username' as const }] : []),
    ...(a.emailKey !== null ? [{ identifier: a.emailKey, kind: 'email' as const, column: 'email' as const }] : []),
  ];
}

/** The account column a unique violation raised by latchkey_register_account names, if any. */
function identifierColumnOf(err: unknown): 'username' | 'email' | undefined {
  const column = (err as { column?: unknown } | null)?.column;
  return column === 'username' || column === 'email' ? column : undefined;
}

/** The account store; `postgres` adds the one-statement sign-up (insertAudited). */
export function createAccountStore(options: { postgres?: boolean } = {}): AccountStore {
  // Built and compiled once (see prepared()); columns named so a migration adding one does not
  // invalidate the prepared statement on PostgreSQL.
  const by = (column: 'id' | 'username_key' | 'email_key') =>
    prepared<{ key: string }, AccountRow>((db, slot) => db.selectFrom('accounts').select(ACCOUNT_COLUMNS).where(column, '=', slot('key')) as never);
  const byId = by('id');
  const byEmailKey = by('email_key');
  // Accounts without claims (see findByLoginKey): one statement, an email match first.
  const byEitherKey = prepared<{ key: string }, AccountRow>(
    (db, slot) =>
      db
        .selectFrom('accounts')
        .select(ACCOUNT_COLUMNS)
        .where((eb) => eb.or([eb('username_key', '=', slot('key')), eb('email_key', '=', slot('key'))]))
        .orderBy(sql`case when email_key = ${slot('key')} then 0 else 1 end`)
        .limit(1) as never,
  );
  // One identifier names at most one account: the namespace table is the authority, so a
  // username the migration left out (it equals another account's email) resolves to no one.
  const claimedBy = (db: Kysely<Database>, key: string) =>
    db
      .selectFrom('login_identifiers as i')
      .innerJoin('accounts as a', 'a.id', 'i.account_id')
      .select(ACCOUNT_COLUMNS.map((c) => `a.${c}` as const))
      .where('i.identifier', '=', key);
  const byLoginKey = prepared<{ key: string }, AccountRow>((db, slot) => claimedBy(db, slot('key')) as never);
  // A password login's lookup: the same, with whether the account has a second factor on, so
  // that a login reads both in one statement.
  const forLogin = prepared<{ key: string }, AccountRow & { second_factor: boolean | number }>(
    (db, slot) => claimedBy(db, slot('key')).select((eb) => secondFactorOn(eb, eb.ref('a.id')).as('second_factor')) as never,
  );

  /** The account of an identifier no account claims: one written before the namespace (see findByLoginKey). */
  async function unclaimed(tx: Tx, key: string): Promise<Account | null> {
    const row = (await byEitherKey(tx, { key })).rows[0];
    if (!row) return null;
    const claims = await q(tx).selectFrom('login_identifiers').select('identifier').where('account_id', '=', row.id).limit(1).execute();
    return claims.length === 0 ? toAccount(row) : null;
  }

  /** Claims `key` for account `id`; UniqueViolation(column) when any account holds it already. */
  async function claim(tx: Tx, key: string, id: string, kind: 'username' | 'email' | 'both', column: 'username' | 'email'): Promise<void> {
    await q(tx)
      .insertInto('login_identifiers')
      .values({ identifier: key, account_id: id, kind })
      .execute()
      .catch((err: unknown) => translateWriteError(err, column));
  }

  // PostgreSQL: the account, its claims and its audit row in one statement
  // (migration 2026-12-07T1700-register-account-function).
  const registerAccount = prepared<{ account: string; claims: string; audit: string }>((db, slot) =>
    db.selectNoFrom(sql`latchkey_register_account(${slot('account')}::jsonb, ${slot('claims')}::jsonb, ${slot('audit')}::jsonb)`.as('registered')) as never,
  );

  return {
    async insert(tx, a) {
      await q(tx).insertInto('accounts').values(rowOfNew(a)).execute().catch(translateWriteError);
      // In the same transaction: a claim that loses (now or to a concurrent one) undoes the account.
      for (const c of claimsOf(a)) await claim(tx, c.identifier, a.id, c.kind, c.column);
    },

    ...(options.postgres
      ? {
          async insertAudited(tx: Tx, a: NewAccount, audit: AuditRowToStore) {
            const args = { account: JSON.stringify(rowOfNew(a)), claims: JSON.stringify(claimsOf(a)), audit: JSON.stringify(audit) };
            // The function names the account column a lost claim came from in the error's `column`.
            await registerAccount(tx, args).catch((err: unknown) => translateWriteError(err, identifierColumnOf(err)));
          },
        }
      : {}),

    async setUsername(tx, id, username, now) {
      const current = await q(tx).selectFrom('accounts').select(['username_key', 'email_key']).where('id', '=', id).executeTakeFirst();
      if (!current) return false;
      const db = q(tx);
      await db.deleteFrom('login_identifiers').where('account_id', '=', id).where('kind', '=', 'username').execute();
      await db.updateTable('login_identifiers').set({ kind: 'email' }).where('account_id', '=', id).where('kind', '=', 'both').execute();
      if (current.username_key !== null) {
        await db.deleteFrom('login_identifier_collisions').where('account_id', '=', id).where('identifier', '=', current.username_key).execute();
      }
      await db
        .updateTable('accounts')
        .set({ username: username?.display ?? null, username_key: username?.key ?? null, updated_at: now })
        .where('id', '=', id)
        .execute()
        .catch(translateWriteError);
      if (username === null) return true;
      if (username.key === current.email_key) {
        await db.updateTable('login_identifiers').set({ kind: 'both' }).where('account_id', '=', id).where('identifier', '=', username.key).execute();
      } else {
        await claim(tx, username.key, id, 'username', 'username');
      }
      return true;
    },

    async setEmail(tx, id, email, now) {
      const current = await q(tx).selectFrom('accounts').select(['username_key', 'email_key']).where('id', '=', id).executeTakeFirst();
      if (!current) return false;
      const db = q(tx);
      await db.deleteFrom('login_identifiers').where('account_id', '=', id).where('kind', '=', 'email').execute();
      await db.updateTable('login_identifiers').set({ kind: 'username' }).where('account_id', '=', id).where('kind', '=', 'both').execute();
      if (current.email_key !== null) {
        await db.deleteFrom('login_identifier_collisions').where('account_id', '=', id).where('identifier', '=', current.email_key).execute();
      }
      await db
        .updateTable('accounts')
        .set({ email: email.display, email_key: email.key, email_verified_at: now, updated_at: now })
        .where('id', '=', id)
        .execute()
        .catch((err: unknown) => translateWriteError(err, 'email'));
      if (email.key === current.username_key) {
        await db.updateTable('login_identifiers').set({ kind: 'both' }).where('account_id', '=', id).where('identifier', '=', email.key).execute();
      } else {
        await claim(tx, email.key, id, 'email', 'email');
      }
      return true;
    },

    async listIdentifierCollisions(tx) {
      const rows = await q(tx).selectFrom('login_identifier_collisions').selectAll().orderBy('found_at').orderBy('account_id').execute();
      const found: IdentifierCollision[] = [];
      for (const row of rows) {
        const account = (await byId(tx, { key: row.account_id })).rows[0];
        if (!account) continue;
        const other = (await byId(tx, { key: row.other_account_id })).rows[0];
        const kind = account.email_key === row.identifier ? 'email' : 'username';
        found.push({ account: toAccount(account), other: other ? toAccount(other) : null, identifier: row.identifier, kind, foundAt: Number(row.found_at) });
      }
      return found;
    },

    async findById(tx, id) {
      const row = (await byId(tx, { key: id })).rows[0];
      return row ? toAccount(row) : null;
    },

    async findByLoginKey(tx, key) {
      const row = (await byLoginKey(tx, { key })).rows[0];
      if (row) return toAccount(row);
      // No account claims the identifier. An account written by a node of an earlier release
      // (a rolling upgrade) has no claims yet: it is found by its own columns until
      // backfillIdentifiers() claims them (docs/deploy.md).
      return unclaimed(tx, key);
    },

    async findForLogin(tx, key) {
      const row = (await forLogin(tx, { key })).rows[0];
      if (row) {
        // PostgreSQL answers a boolean, SQLite 0 or 1.
        const { second_factor: on, ...account } = row;
        return { account: toAccount(account), secondFactorOn: Boolean(on) };
      }
      const account = await unclaimed(tx, key);
      return account ? { account, secondFactorOn: undefined } : null;
    },

    async backfillIdentifiers(tx, now) {
      const db = q(tx);
      // Accounts without any claim (written by an earlier release): claim what is free, record the rest.
      const rows = await db
        .selectFrom('accounts as a')
        .select(['a.id', 'a.username_key', 'a.email_key'])
        .where((eb) => eb.not(eb.exists(eb.selectFrom('login_identifiers as i').select('i.identifier').whereRef('i.account_id', '=', 'a.id'))))
        .where((eb) => eb.or([eb('a.username_key', 'is not', null), eb('a.email_key', 'is not', null)]))
        .orderBy('a.created_at')
        .limit(10_000)
        .execute();
      let collisions = 0;
      for (const r of rows) {
        const wanted: Array<[string, 'username' | 'email' | 'both']> = [];
        if (r.email_key !== null) wanted.push([r.email_key, r.email_key === r.username_key ? 'both' : 'email']);
        if (r.username_key !== null && r.username_key !== r.email_key) wanted.push([r.username_key, 'username']);
        for (const [key, kind] of wanted) {
          const holder = await db.selectFrom('login_identifiers').select('account_id').where('identifier', '=', key).executeTakeFirst();
          if (!holder) {
            await db.insertInto('login_identifiers').values({ identifier: key, account_id: r.id, kind }).execute();
          } else if (holder.account_id !== r.id) {
            collisions += 1;
            await db
              .insertInto('login_identifier_collisions')
              .values({ account_id: r.id, identifier: key, other_account_id: holder.account_id, found_at: now })
              .onConflict((oc) => oc.doNothing())
              .execute();
          }
        }
      }
      return { accounts: rows.length, collisions };
    },

    async replacePasswordHash(tx, id, expected, next, now) {
      await q(tx)
        .updateTable('accounts')
        .set({ password_hash: next, updated_at: now })
        .where('id', '=', id)
        .where('password_hash', '=', expected)
        .execute();
    },

    async findByEmailKey(tx, emailKey) {
      const row = await q(tx).selectFrom('accounts').selectAll().where('email_key', '=', emailKey).executeTakeFirst();
      return row ? toAccount(row) : null;
    },

    async setPasswordHash(tx, id, passwordHash, now) {
      await q(tx).updateTable('accounts').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
    },

    async activateWithPassword(tx, id, emailKey, passwordHash, now) {
      const result = await q(tx)
        .updateTable('accounts')
        .set({ password_hash: passwordHash, email_verified_at: now, status: 'active', updated_at: now })
        .where('id', '=', id)
        .where('email_key', '=', emailKey)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deleteAccount(tx, id) {
      const result = await q(tx).deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async setLocale(tx, id, locale, now) {
      const result = await q(tx).updateTable('accounts').set({ locale, updated_at: now }).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async setStatus(tx, id, status, now) {
      const result = await q(tx).updateTable('accounts').set({ status, updated_at: now }).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async list(tx, query) {
      let select = q(tx).selectFrom('accounts').selectAll();
      if (query.status !== undefined) select = select.where('status', '=', query.status);
      if (query.keyPrefix !== undefined) {
        // LIKE with an explicit escape character, so % and _ in the prefix match themselves on both databases.
        const pattern = `${query.keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        select = select.where((eb) =>
          eb.or([sql<boolean>`${eb.ref('username_key')} like ${pattern} escape '\\'`, sql<boolean>`${eb.ref('email_key')} like ${pattern} escape '\\'`]),
        );
      }
      const after = query.after;
      if (after !== undefined) {
        select = select.where((eb) =>
          eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
        );
      }
      const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map(toAccount);
    },

    async lastLoginAt(tx, id) {
      const row = await q(tx)
        .selectFrom('audit_events')
        .select('at')
        .where('account_id', '=', id)
        .where('type', '=', 'login')
        .where('outcome', '=', 'success')
        .orderBy('at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? Number(row.at) : null;
    },
  };
}
