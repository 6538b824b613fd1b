/**
 * What the OpenID Connect provider (src/http/oidc) asks of the core: its persisted objects, the
 * registered clients, the claims of an account, and the link between a grant and the Latchkey
 * session it was given under. Everything the provider decides about the protocol stays in
 * oidc-provider; everything about accounts and sessions stays here.
 */
import type { AuditEventType, AuditOutcome } from '../audit/ports.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { endOrphanedGrants, queueLogoutNotice, sendDueLogoutNotices, type LogoutNoticeOutcome, type LogoutSenderOptions } from './logout-notices.js';
import type { LogoutTokenSender, OidcAccountClaims, OidcClient, OidcClientStore, OidcLogoutNoticeStore, OidcPayloadRecord, OidcPayloadStore, OidcSessionGrantStore } from './ports.js';

export type OidcDeps = Pick<CoreDeps, 'uow' | 'clock' | 'audit' | 'accounts'> & {
  oidcPayloads: OidcPayloadStore;
  oidcClients: OidcClientStore;
  oidcGrants: OidcSessionGrantStore;
  oidcLogoutNotices: OidcLogoutNoticeStore;
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
  /** Whether `grantId` was given under the Latchkey session `sessionId` (and still is recorded). */
  isGrantOfSession(grantId: string, sessionId: string): Promise<boolean>;
  /** Queues a back-channel logout token for the client (the provider's own end_session); sent by sendLogoutNotices. */
  queueLogoutNotice(clientId: string, accountId: string, sid: string | null): Promise<void>;
  /** Ends the grants whose Latchkey session ended, queueing their back-channel logout notices; returns how many. */
  endOrphanedGrants(): Promise<number>;
  /** Sends the due back-channel logout notices once; returns how many were tried. */
  sendLogoutNotices(send: LogoutTokenSender, report: (o: LogoutNoticeOutcome) => void, options?: LogoutSenderOptions): Promise<number>;
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
    upsert: async (kind, id, payload, expiresIn) => {
      await deps.oidcPayloads.upsert(uow.db, kind, id, payload, expiresIn === undefined ? null : clock.now() + expiresIn * 1000);
      // A code carries the provider's session id: the logout token names it (logout-notices.ts).
      if (kind === 'AuthorizationCode' && typeof payload.grantId === 'string' && typeof payload.sid === 'string') await deps.oidcGrants.setSid(uow.db, payload.grantId, payload.sid);
    },
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
    isGrantOfSession: async (grantId, sessionId) => (await deps.oidcGrants.sessionOf(uow.db, grantId)) === sessionId,
    queueLogoutNotice: (clientId, accountId, sid) => queueLogoutNotice(deps, clientId, accountId, sid),
    endOrphanedGrants: () => endOrphanedGrants(deps),
    sendLogoutNotices: (send, report, options) => sendDueLogoutNotices(deps, send, report, options),
    async note(type, outcome, accountId, clientId, ctx) {
      await deps.audit.note({ type, outcome, accountId, ctx, detail: { client_id: clientId } });
    },
  };
}
