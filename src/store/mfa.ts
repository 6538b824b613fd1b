/**
 * MfaStore on Kysely: TOTP factors (secret sealed by the core's SecretSealer before it gets
 * here), recovery codes (SHA-256 only) and pending second steps (token SHA-256 only). Every
 * "use once" is one conditional UPDATE, so concurrent requests cannot both win.
 */
import type { Expression, ExpressionBuilder, Kysely } from 'kysely';
import { totpContext } from '../core/mfa/codes.js';
import type { MfaChallenge, MfaStore, SecretSealer, TotpFactor } from '../core/mfa/ports.js';
import { newId } from '../core/credentials/secrets.js';
import { prepared, q } from './handle.js';
import type { Database, MfaChallengesTable, MfaFactorsTable } from './schema.js';
import { numberOrNull } from './rows.js';

function toFactor(row: MfaFactorsTable): TotpFactor {
  return {
    id: row.id,
    accountId: row.account_id,
    secret: row.secret,
    createdAt: Number(row.created_at),
    confirmedAt: numberOrNull(row.confirmed_at),
    lastStep: numberOrNull(row.last_step),
  };
}

function toChallenge(row: MfaChallengesTable): MfaChallenge {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    accountId: row.account_id,
    surface: row.surface,
    ip: row.ip,
    amr: row.amr.split(' '),
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: numberOrNull(row.used_at),
  };
}

/**
 * Whether an account has a second factor on: a confirmed TOTP factor or any passkey. Asked at
 * every password login, in the account's own lookup (accounts.ts, findForLogin) or alone
 * (hasFactorOn); `accountId` is a value or a column of the outer query.
 */
export function secondFactorOn(eb: ExpressionBuilder<Database, any>, accountId: string | Expression<string>) {
  return eb.or([
    eb.exists(eb.selectFrom('mfa_factors').select('id').where('account_id', '=', accountId).where('kind', '=', 'totp').where('confirmed_at', 'is not', null)),
    eb.exists(eb.selectFrom('passkeys').select('id').where('account_id', '=', accountId)),
  ]);
}

/** The second-factor store. */
export function createMfaStore(): MfaStore {
  // Asked at every password login (has the account a second factor?): compiled once, with its
  // columns named (a prepared statement selecting `*` fails on PostgreSQL once a column is added).
  const totpOf = prepared<{ accountId: string }, MfaFactorsTable>((db, slot) =>
    db
      .selectFrom('mfa_factors')
      .select(['id', 'account_id', 'kind', 'secret', 'created_at', 'confirmed_at', 'last_step'])
      .where('account_id', '=', slot('accountId'))
      .where('kind', '=', 'totp') as never,
  );
  // At a password login that did not read it with the account (an account without claims).
  const factorOn = prepared<{ accountId: string }, { on: boolean | number }>((db, slot) =>
    db.selectNoFrom((eb) => secondFactorOn(eb, slot('accountId')).as('on')) as never,
  );
  return {
    async findTotp(tx, accountId) {
      const row = (await totpOf(tx, { accountId })).rows[0];
      return row ? toFactor(row) : null;
    },

    async hasFactorOn(tx, accountId) {
      // PostgreSQL answers a boolean, SQLite 0 or 1.
      return Boolean((await factorOn(tx, { accountId })).rows[0]?.on);
    },

    async putPendingTotp(tx, f) {
      await q(tx).deleteFrom('mfa_factors').where('account_id', '=', f.accountId).where('kind', '=', 'totp').where('confirmed_at', 'is', null).execute();
      // The unique (account_id, kind) index refuses a second factor: a confirmed one stays.
      const result = await q(tx)
        .insertInto('mfa_factors')
        .values({ id: f.id, account_id: f.accountId, kind: 'totp', secret: f.secret, created_at: f.createdAt, confirmed_at: null, last_step: null })
        .onConflict((oc) => oc.columns(['account_id', 'kind']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    async acceptStep(tx, factorId, step, confirmAt) {
      const result = await q(tx)
        .updateTable('mfa_factors')
        .set(confirmAt === undefined ? { last_step: step } : { last_step: step, confirmed_at: confirmAt })
        .where('id', '=', factorId)
        .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
        .$if(confirmAt !== undefined, (qb) => qb.where('confirmed_at', 'is', null))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deleteTotp(tx, accountId) {
      const result = await q(tx).deleteFrom('mfa_factors').where('account_id', '=', accountId).where('kind', '=', 'totp').where('confirmed_at', 'is not', null).executeTakeFirst();
      await q(tx).deleteFrom('mfa_factors').where('account_id', '=', accountId).where('kind', '=', 'totp').execute();
      return Number(result.numDeletedRows) > 0;
    },

    async replaceRecoveryCodes(tx, accountId, codeHashes, now) {
      await q(tx).deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
      if (codeHashes.length === 0) return;
      await q(tx)
        .insertInto('recovery_codes')
        .values(codeHashes.map((hash) => ({ id: newId(), account_id: accountId, code_hash: hash, created_at: now, used_at: null })))
        .execute();
    },

    async useRecoveryCode(tx, accountId, codeHash, now) {
      const result = await q(tx)
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('account_id', '=', accountId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) >= 1;
    },

    async countRecoveryCodes(tx, accountId) {
      const row = await q(tx)
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async deleteAllFactors(tx, accountId, now) {
      const result = await q(tx).deleteFrom('mfa_factors').where('account_id', '=', accountId).where('confirmed_at', 'is not', null).executeTakeFirst();
      await q(tx).deleteFrom('mfa_factors').where('account_id', '=', accountId).execute();
      await q(tx).deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
      await q(tx).updateTable('mfa_challenges').set({ used_at: now }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
      return Number(result.numDeletedRows);
    },

    async insertChallenge(tx, c) {
      await q(tx)
        .insertInto('mfa_challenges')
        .values({
          id: c.id,
          token_hash: c.tokenHash,
          account_id: c.accountId,
          surface: c.surface,
          ip: c.ip,
          amr: c.amr.join(' '),
          attempts: c.attempts,
          created_at: c.createdAt,
          expires_at: c.expiresAt,
          used_at: c.usedAt,
        })
        .execute();
    },

    async findChallenge(tx, tokenHash, now) {
      const row = await q(tx)
        .selectFrom('mfa_challenges')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row ? toChallenge(row) : null;
    },

    async countChallengeFailure(tx, id) {
      await q(tx).updateTable('mfa_challenges').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', '=', id).execute();
      const row = await q(tx).selectFrom('mfa_challenges').select('attempts').where('id', '=', id).executeTakeFirst();
      return Number(row?.attempts ?? 0);
    },

    async useChallenge(tx, id, now) {
      const result = await q(tx).updateTable('mfa_challenges').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

/**
 * Re-seals every TOTP secret: opened with `from`, sealed with `to`, in one transaction (`latchkey
 * master-key seal` and `rotate`: a secret sealed under the server key or the old master key moves
 * under the new one). Resolves to the number of secrets.
 */
export async function resealTotpSecrets(db: Kysely<Database>, from: SecretSealer, to: SecretSealer): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const rows = await tx.selectFrom('mfa_factors').select(['id', 'secret']).execute();
    for (const row of rows) {
      const context = totpContext(row.id);
      await tx.updateTable('mfa_factors').set({ secret: to.seal(from.open(row.secret, context), context) }).where('id', '=', row.id).where('secret', '=', row.secret).execute();
    }
    return rows.length;
  });
}
