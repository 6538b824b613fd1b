/** OidcClientStore and OidcSessionGrantStore on Kysely: the registered relying parties, and which grant was given under which Latchkey session. */
import type { OidcClient, OidcClientStore, OidcSessionGrant, OidcSessionGrantStore } from '../core/oidc/ports.js';
import { translateWriteError } from './db-errors.js';
import { q } from './handle.js';
import type { OidcClientsTable, OidcSessionGrantsTable } from './oidc-schema.js';
import { numberOrNull } from './rows.js';

function toClient(row: OidcClientsTable): OidcClient {
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secret_hash,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    backchannelLogoutUri: row.backchannel_logout_uri,
    firstParty: Number(row.first_party) === 1,
    idTokenAlg: row.id_token_alg === 'RS256' ? 'RS256' : 'EdDSA',
    createdAt: Number(row.created_at),
    revokedAt: numberOrNull(row.revoked_at),
  };
}

function toGrant(row: OidcSessionGrantsTable): OidcSessionGrant {
  return { grantId: row.grant_id, sessionId: row.session_id, accountId: row.account_id, clientId: row.client_id, createdAt: Number(row.created_at), sid: row.sid };
}

/** The registered OIDC clients. */
export function createOidcClientStore(): OidcClientStore {
  return {
    async insert(tx, c) {
      await q(tx)
        .insertInto('oidc_clients')
        .values({
          id: c.id,
          name: c.name,
          secret_hash: c.secretHash,
          redirect_uris: JSON.stringify(c.redirectUris),
          post_logout_redirect_uris: JSON.stringify(c.postLogoutRedirectUris),
          backchannel_logout_uri: c.backchannelLogoutUri,
          first_party: c.firstParty ? 1 : 0,
          id_token_alg: c.idTokenAlg,
          created_at: c.createdAt,
          revoked_at: c.revokedAt,
        })
        .execute()
        .catch((err: unknown) => translateWriteError(err));
    },

    async findById(tx, id) {
      const row = await q(tx).selectFrom('oidc_clients').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toClient(row) : null;
    },

    async list(tx) {
      const rows = await q(tx).selectFrom('oidc_clients').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toClient);
    },

    async revoke(tx, id, now) {
      const result = await q(tx).updateTable('oidc_clients').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

/** The links between OIDC grants and Latchkey sessions. */
export function createOidcSessionGrantStore(): OidcSessionGrantStore {
  return {
    async link(tx, g) {
      await q(tx)
        .insertInto('oidc_session_grants')
        .values({ grant_id: g.grantId, session_id: g.sessionId, account_id: g.accountId, client_id: g.clientId, created_at: g.createdAt, sid: g.sid ?? null })
        .onConflict((oc) => oc.column('grant_id').doNothing())
        .execute();
    },

    async listBySession(tx, sessionId) {
      return (await q(tx).selectFrom('oidc_session_grants').selectAll().where('session_id', '=', sessionId).execute()).map(toGrant);
    },

    async listByAccount(tx, accountId) {
      return (await q(tx).selectFrom('oidc_session_grants').selectAll().where('account_id', '=', accountId).execute()).map(toGrant);
    },

    async listOrphans(tx, now, limit) {
      const rows = await q(tx)
        .selectFrom('oidc_session_grants as g')
        .leftJoin('sessions as s', 's.id', 'g.session_id')
        .selectAll('g')
        .where((eb) => eb.or([eb('s.id', 'is', null), eb('s.revoked_at', 'is not', null), eb('s.absolute_expires_at', '<=', now)]))
        .orderBy('g.created_at')
        .limit(limit)
        .execute();
      return rows.map(toGrant);
    },

    async sessionOf(tx, grantId) {
      const row = await q(tx).selectFrom('oidc_session_grants').select('session_id').where('grant_id', '=', grantId).executeTakeFirst();
      return row?.session_id ?? null;
    },

    async setSid(tx, grantId, sid) {
      await q(tx).updateTable('oidc_session_grants').set({ sid }).where('grant_id', '=', grantId).where('sid', 'is', null).execute();
    },

    async unlink(tx, grantIds) {
      if (grantIds.length === 0) return 0;
      const result = await q(tx).deleteFrom('oidc_session_grants').where('grant_id', 'in', grantIds).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
