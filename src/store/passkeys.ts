/**
 * PasskeyStore on Kysely: WebAuthn credentials (public keys only) and the ceremonies' challenges.
 * Taking a challenge is one conditional UPDATE, so of two requests answering one challenge
 * exactly one gets it (a replayed response finds it used).
 */
import type { CeremonyChallenge, CeremonyPurpose, Passkey, PasskeyStore } from '../core/passkeys/ports.js';
import { prepared, q } from './handle.js';
import { translateWriteError } from './db-errors.js';
import type { PasskeysTable, WebauthnChallengesTable } from './schema.js';
import { numberOrNull } from './rows.js';

function toPasskey(row: PasskeysTable): Passkey {
  return {
    id: row.id,
    accountId: row.account_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: row.transports === '' ? [] : row.transports.split(' '),
    deviceType: row.device_type,
    backedUp: Number(row.backed_up) === 1,
    name: row.name,
    createdAt: Number(row.created_at),
    lastUsedAt: numberOrNull(row.last_used_at),
  };
}

function toChallenge(row: WebauthnChallengesTable): CeremonyChallenge {
  return {
    id: row.id,
    challenge: row.challenge,
    purpose: row.purpose as CeremonyPurpose,
    accountId: row.account_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

/** The passkey store. */
export function createPasskeyStore(): PasskeyStore {
  // Asked at every password login (has the account a passkey?): compiled once, columns named.
  const passkeysOf = prepared<{ accountId: string }, PasskeysTable>((db, slot) =>
    db
      .selectFrom('passkeys')
      .select(['id', 'account_id', 'credential_id', 'public_key', 'counter', 'transports', 'device_type', 'backed_up', 'name', 'created_at', 'last_used_at'])
      .where('account_id', '=', slot('accountId'))
      .orderBy('created_at')
      .orderBy('id') as never,
  );
  return {
    async insert(tx, p) {
      try {
        await q(tx)
          .insertInto('passkeys')
          .values({
            id: p.id,
            account_id: p.accountId,
            credential_id: p.credentialId,
            public_key: p.publicKey,
            counter: p.counter,
            transports: p.transports.join(' '),
            device_type: p.deviceType,
            backed_up: p.backedUp ? 1 : 0,
            name: p.name,
            created_at: p.createdAt,
            last_used_at: p.lastUsedAt,
          })
          .execute();
      } catch (err) {
        translateWriteError(err);
      }
    },

    async list(tx, accountId) {
      return (await passkeysOf(tx, { accountId })).rows.map(toPasskey);
    },

    async findByCredentialId(tx, credentialId) {
      const row = await q(tx).selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
      return row ? toPasskey(row) : null;
    },

    async recordUse(tx, id, counter, backedUp, now) {
      await q(tx).updateTable('passkeys').set({ counter, backed_up: backedUp ? 1 : 0, last_used_at: now }).where('id', '=', id).execute();
    },

    async delete(tx, accountId, id) {
      const result = await q(tx).deleteFrom('passkeys').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async deleteAll(tx, accountId) {
      await q(tx).deleteFrom('webauthn_challenges').where('account_id', '=', accountId).execute();
      const result = await q(tx).deleteFrom('passkeys').where('account_id', '=', accountId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async insertChallenge(tx, c) {
      await q(tx)
        .insertInto('webauthn_challenges')
        .values({ id: c.id, challenge: c.challenge, purpose: c.purpose, account_id: c.accountId, created_at: c.createdAt, expires_at: c.expiresAt, used_at: null })
        .execute();
    },

    async takeChallenge(tx, challenge, purpose, now) {
      const result = await q(tx)
        .updateTable('webauthn_challenges')
        .set({ used_at: now })
        .where('challenge', '=', challenge)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return null;
      const row = await q(tx).selectFrom('webauthn_challenges').selectAll().where('challenge', '=', challenge).executeTakeFirst();
      return row ? toChallenge(row) : null;
    },
  };
}
