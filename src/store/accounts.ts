/** AccountStore on Kysely. */
import { sql } from 'kysely';
import type { Account, AccountStore } from '../core/ports.js';
import { translateWriteError } from './db-errors.js';
import { prepared, q } from './handle.js';
import type { AccountRow } from './schema.js';

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
] as const;

/** The account store. */
export function createAccountStore(): AccountStore {
  // Built and compiled once (see prepared()); columns named so a migration adding one does not
  // invalidate the prepared statement on PostgreSQL.
  const by = (column: 'id' | 'username_key' | 'email_key') =>
    prepared<{ key: string }, AccountRow>((db, slot) => db.selectFrom('accounts').select(ACCOUNT_COLUMNS).where(column, '=', slot('key')) as never);
  const byId = by('id');
  const byUsernameKey = by('username_key');
  const byEmailKey = by('email_key');
  return {
    async insert(tx, a) {
      await q(tx)
        .insertInto('accounts')
        .values({
          id: a.id,
          username: a.username,
          username_key: a.usernameKey,
          email: a.email,
          email_key: a.emailKey,
          email_verified_at: null,
          password_hash: a.passwordHash,
          status: a.status,
          promo_code: a.promoCode ?? null,
          created_at: a.createdAt,
          updated_at: a.createdAt,
        })
        .execute()
        .catch(translateWriteError);
    },

    async findById(tx, id) {
      const row = (await byId(tx, { key: id })).rows[0];
      return row ? toAccount(row) : null;
    },

    async findByLoginKey(tx, key) {
      const byName = (await byUsernameKey(tx, { key })).rows[0];
      if (byName) return toAccount(byName);
      const byEmail = (await byEmailKey(tx, { key })).rows[0];
      return byEmail ? toAccount(byEmail) : null;
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
