/**
 * What the OpenID Connect provider (src/http/oidc) asks of the core: its persisted objects, the
 * registered clients, the claims of an account, and the link between a grant and the Latchkey
 * session it was given under. Everything the provider decides about the protocol stays in
 * oidc-provider; everything about accounts and sessions stays here.
 */
import type { AuditEventType, AuditOutcome } from '../audit/ports.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import type { OidcAccountClaims, OidcClient, OidcClientStore, OidcPayloadRecord, OidcPayloadStore, OidcSessionGrantStore } from './ports.js';

export type OidcDeps = Pick<CoreDeps, 'uow' | 'clock' | 'audit' | 'accounts'> & {
  oidcPayloads: OidcPayloadStore;
  oidcClients: OidcClientStore;
  oidcGrants: OidcSessionGrantStore;
};

/** The provider's persisted objects, by oidc-provider model kind. */
export interface OidcPayloads {
  upsert(kind: string, id: string, payload: Record<string, unknown>, expiresInSeconds: number | undefined): Promise<void>;
  find(kind: string, id: string): Promise<OidcPayloadRecord | null>;
  findByUid(kind: string, uid: string): Promise<OidcPayloadRecord | null>;
  findByUserCode(kind: string, userCode: string): Promise<OidcPayloadRecord | null>;
  consume(kind: string, id: string): Promise<void>;
  destroy(kind: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export interface OidcAccess {
  payloads: OidcPayloads;
  /** The live (not revoked) client with this id, or null. */
  findClient(id: string): Promise<OidcClient | null>;
  /** The claims of an active account, or null (unknown, pending or disabled: its tokens stop). */
  accountClaims(accountId: string): Promise<OidcAccountClaims | null>;
  /** Records that `grantId` was given under the Latchkey session `sessionId`; its tokens live only as long as that session. */
  linkGrant(grantId: string, sessionId: string, accountId: string, clientId: string): Promise<void>;
  /** Writes an audit event of the provider (oidc_authorize, oidc_consent, oidc_token). */
  note(type: Extract<AuditEventType, `oidc_${string}`>, outcome: AuditOutcome, accountId: string | null, clientId: string, ctx?: ClientContext): Promise<void>;
}

/**
 * The authentication methods (`amr`, RFC 8176) of the Latchkey session an authorization was
 * given under, as its login stored them (`pwd`, `otp`, `hwk` ...); the provider puts this list
 * into the id token. A session from before the second factor existed has none stored: a password.
 */
export function loginMethods(session: { amr?: string[] | null }): string[] {
  return session.amr && session.amr.length > 0 ? [...session.amr] : ['pwd'];
}

/** Builds the core side of the OIDC provider. */
export function createOidcAccess(deps: OidcDeps): OidcAccess {
  const { uow, clock } = deps;
  const payloads: OidcPayloads = {
    upsert: (kind, id, payload, expiresIn) =>
      deps.oidcPayloads.upsert(uow.db, kind, id, payload, expiresIn === undefined ? null : clock.now() + expiresIn * 1000),
    find: (kind, id) => deps.oidcPayloads.find(uow.db, kind, id, clock.now()),
    findByUid: (kind, uid) => deps.oidcPayloads.findByUid(uow.db, kind, uid, clock.now()),
    findByUserCode: (kind, code) => deps.oidcPayloads.findByUserCode(uow.db, kind, code, clock.now()),
    consume: (kind, id) => deps.oidcPayloads.consume(uow.db, kind, id, clock.now()),
    destroy: (kind, id) => deps.oidcPayloads.destroy(uow.db, kind, id),
    revokeByGrantId: async (grantId) => {
      await uow.transaction(async (tx) => {
        await deps.oidcPayloads.revokeByGrantId(tx, grantId);
        await deps.oidcGrants.unlink(tx, [grantId]);
      });
    },
  };
  return {
    payloads,
    async findClient(id) {
      const client = await deps.oidcClients.findById(uow.db, id);
      return client && client.revokedAt === null ? client : null;
    },
    async accountClaims(accountId) {
      const account = await deps.accounts.findById(uow.db, accountId);
      if (!account || account.status !== 'active') return null;
      return {
        sub: account.id,
        ...(account.email === null ? {} : { email: account.email, email_verified: account.emailVerifiedAt !== null }),
        ...(account.username === null ? {} : { preferred_username: account.username }),
      };
    },
    async linkGrant(grantId, sessionId, accountId, clientId) {
      await deps.oidcGrants.link(uow.db, { grantId, sessionId, accountId, clientId, createdAt: clock.now() });
    },
    async note(type, outcome, accountId, clientId, ctx) {
      await deps.audit.note({ type, outcome, accountId, ctx, detail: { client_id: clientId } });
    },
  };
}
