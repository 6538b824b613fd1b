/**
 * OidcPayloadStore on Kysely: what oidc-provider persists (codes, tokens, grants, its sessions
 * and interactions), one JSON row per (kind, id), shared by every node.
 *
 * A row that belongs to a grant (every code and token, and the Grant itself) is found only while
 * that grant's Latchkey session lives (not revoked by a logout on any surface, not past its
 * absolute expiry) and its account is active: logging out of Latchkey or disabling an account
 * ends the grant's tokens at once on every node (refresh fails, introspection says inactive),
 * without the logout flows knowing about OIDC. A grant that was never linked to a session is
 * never found (fail closed). docs/security.md, "OpenID Connect provider".
 */
import { sql } from 'kysely';
import type { OidcPayloadRecord, OidcPayloadStore } from '../core/oidc/ports.js';
import type { Tx } from '../core/ports.js';
import { q } from './handle.js';
import { numberOrNull } from './rows.js';

type Column = 'id' | 'uid' | 'user_code';

/**
 * The kinds whose rows belong to their `grantId` (oidc-provider's own adapter lists the same):
 * issued from the grant, they end with it. An Interaction names the grant it may extend but is
 * not issued from it: revoking that grant (the provider ends its session of the previous account
 * when someone signs in as another) must not delete the sign-in in progress.
 */
const GRANT_BOUND = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

function refs(kind: string, id: string, payload: Record<string, unknown>): { grant_id: string | null; uid: string | null; user_code: string | null } {
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    grant_id: kind === 'Grant' ? id : GRANT_BOUND.has(kind) ? text(payload.grantId) : null,
    uid: text(payload.uid),
    user_code: text(payload.userCode),
  };
}

async function findBy(tx: Tx, kind: string, column: Column, value: string, now: number): Promise<OidcPayloadRecord | null> {
  const db = q(tx);
  const row = await db
    .selectFrom('oidc_payloads as p')
    .select(['p.payload', 'p.consumed_at'])
    .where('p.kind', '=', kind)
    .where(`p.${column}`, '=', value)
    .where((eb) => eb.or([eb('p.expires_at', 'is', null), eb('p.expires_at', '>', now)]))
    .where((eb) =>
      eb.or([
        eb('p.grant_id', 'is', null),
        eb.exists(
          db
            .selectFrom('oidc_session_grants as g')
            .innerJoin('sessions as s', 's.id', 'g.session_id')
            .innerJoin('accounts as a', 'a.id', 'g.account_id')
            .select(sql.lit(1).as('one'))
            .where('g.grant_id', '=', sql.ref<string>('p.grant_id'))
            .where('s.revoked_at', 'is', null)
            .where('s.absolute_expires_at', '>', now)
            .where('a.status', '=', 'active'),
        ),
      ]),
    )
    .executeTakeFirst();
  if (!row) return null;
  return { payload: JSON.parse(row.payload) as Record<string, unknown>, consumedAt: numberOrNull(row.consumed_at) };
}

/** The payload store of the OpenID Connect provider. */
export function createOidcPayloadStore(): OidcPayloadStore {
  return {
    async upsert(tx, kind, id, payload, expiresAt) {
      const values = { kind, id, payload: JSON.stringify(payload), expires_at: expiresAt, consumed_at: null, ...refs(kind, id, payload) };
      await q(tx)
        .insertInto('oidc_payloads')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['kind', 'id']).doUpdateSet({
            payload: values.payload,
            expires_at: values.expires_at,
            grant_id: values.grant_id,
            uid: values.uid,
            user_code: values.user_code,
          }),
        )
        .execute();
    },

    find: (tx, kind, id, now) => findBy(tx, kind, 'id', id, now),
    findByUid: (tx, kind, uid, now) => findBy(tx, kind, 'uid', uid, now),
    findByUserCode: (tx, kind, userCode, now) => findBy(tx, kind, 'user_code', userCode, now),

    async consume(tx, kind, id, now) {
      await q(tx).updateTable('oidc_payloads').set({ consumed_at: now }).where('kind', '=', kind).where('id', '=', id).execute();
    },

    async destroy(tx, kind, id) {
      await q(tx).deleteFrom('oidc_payloads').where('kind', '=', kind).where('id', '=', id).execute();
    },

    async revokeByGrantId(tx, grantId) {
      const result = await q(tx).deleteFrom('oidc_payloads').where('grant_id', '=', grantId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
