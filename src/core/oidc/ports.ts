/**
 * Ports of the OpenID Connect provider (docs/decisions.md, "OpenID Connect provider"). The
 * provider itself is oidc-provider, wired in src/http/oidc; what it persists goes through these
 * ports to the database, so any number of nodes serve one issuer.
 */
import type { Tx } from '../ports.js';

/** One persisted oidc-provider object (a code, token, grant, session or interaction). */
export interface OidcPayloadRecord {
  /** The payload as oidc-provider gave it. */
  payload: Record<string, unknown>;
  /** When the object was consumed (a redeemed code, a rotated refresh token), ms; null if not. */
  consumedAt: number | null;
}

/** What oidc-provider persists, by model kind and id (its adapter interface). */
export interface OidcPayloadStore {
  /** Inserts or replaces the object; `expiresAt` in ms (null: none); its grant, uid and user code are indexed. */
  upsert(tx: Tx, kind: string, id: string, payload: Record<string, unknown>, expiresAt: number | null): Promise<void>;
  /** The object unless absent or expired at `now`. */
  find(tx: Tx, kind: string, id: string, now: number): Promise<OidcPayloadRecord | null>;
  /** The object of this kind with this uid (sessions), unless expired. */
  findByUid(tx: Tx, kind: string, uid: string, now: number): Promise<OidcPayloadRecord | null>;
  /** The object of this kind with this user code (device flow; not enabled), unless expired. */
  findByUserCode(tx: Tx, kind: string, userCode: string, now: number): Promise<OidcPayloadRecord | null>;
  /** Marks the object consumed at `now`. */
  consume(tx: Tx, kind: string, id: string, now: number): Promise<void>;
  /** Deletes the object. */
  destroy(tx: Tx, kind: string, id: string): Promise<void>;
  /** Deletes every object of the grant (its codes and tokens); returns how many. */
  revokeByGrantId(tx: Tx, grantId: string): Promise<number>;
}

/** A relying party registered by an operator. */
export interface OidcClient {
  id: string;
  name: string;
  /** SHA-256 of the secret (base64url); null for a public client, which must use PKCE. */
  secretHash: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Told of logouts per OpenID Connect Back-Channel Logout; null: not told. */
  backchannelLogoutUri: string | null;
  /** An operator's own app: the consent step is skipped. */
  firstParty: boolean;
  /** How its id tokens are signed: EdDSA (Latchkey's default) or RS256 (for clients that verify nothing else). */
  idTokenAlg: 'EdDSA' | 'RS256';
  createdAt: number;
  revokedAt: number | null;
}

/** The registered clients. */
export interface OidcClientStore {
  /** Adds a client. */
  insert(tx: Tx, client: OidcClient): Promise<void>;
  /** The client with this id (revoked ones too), or null. */
  findById(tx: Tx, id: string): Promise<OidcClient | null>;
  /** Every client, newest first, revoked ones too. */
  list(tx: Tx): Promise<OidcClient[]>;
  /** Marks the client revoked; false when unknown or already revoked. */
  revoke(tx: Tx, id: string, now: number): Promise<boolean>;
}

/** A grant given under a Latchkey session. */
export interface OidcSessionGrant {
  grantId: string;
  sessionId: string;
  accountId: string;
  clientId: string;
  createdAt: number;
  /** The provider's session id its codes were issued under (the id token's `sid`); null until the first code. */
  sid?: string | null;
}

/** Which OIDC grants were given under which Latchkey session (so a logout ends them). */
export interface OidcSessionGrantStore {
  /** Records the grant (nothing happens if it is recorded already). */
  link(tx: Tx, grant: OidcSessionGrant): Promise<void>;
  /** The grants given under this session. */
  listBySession(tx: Tx, sessionId: string): Promise<OidcSessionGrant[]>;
  /** The grants given to this account, under any session. */
  listByAccount(tx: Tx, accountId: string): Promise<OidcSessionGrant[]>;
  /** The grants of sessions that no longer live (logged out, expired, revoked by any surface). */
  listOrphans(tx: Tx, now: number, limit: number): Promise<OidcSessionGrant[]>;
  /** The Latchkey session the grant was given under, or null when it is not recorded. */
  sessionOf(tx: Tx, grantId: string): Promise<string | null>;
  /** Records the provider's session id of the grant (from its first code). */
  setSid(tx: Tx, grantId: string, sid: string): Promise<void>;
  /** Forgets these grants; returns how many were still recorded (0: another node forgot them first). */
  unlink(tx: Tx, grantIds: string[]): Promise<number>;
}

/** A back-channel logout token to send to a client (OpenID Connect Back-Channel Logout 1.0). */
export interface OidcLogoutNotice {
  id: string;
  clientId: string;
  /** The logout token's `sub`. */
  accountId: string;
  /** The logout token's `sid`, when known. */
  sid: string | null;
  /** Failed sends so far. */
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
}

/** The outbox of back-channel logout tokens: written with the change that ends a grant, sent and retried by any node. */
export interface OidcLogoutNoticeStore {
  /** Queues a notice. */
  enqueue(tx: Tx, notice: OidcLogoutNotice): Promise<void>;
  /** Takes up to `limit` notices due at `now`, each leased to this node until `leaseUntil` (a notice another node took is skipped). */
  claimDue(tx: Tx, now: number, leaseUntil: number, limit: number): Promise<OidcLogoutNotice[]>;
  /** Deletes a notice (sent, or given up). */
  remove(tx: Tx, id: string): Promise<void>;
  /** Records a failed send: the attempt count, when to try again, and a short reason. */
  reschedule(tx: Tx, id: string, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
}

/** Sends one back-channel logout token (the provider library signs it); throws when the client did not answer 200. */
export type LogoutTokenSender = (notice: OidcLogoutNotice) => Promise<void>;

/** The claims Latchkey releases about an account to OIDC clients (scopes `openid email profile`). */
export interface OidcAccountClaims {
  sub: string;
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
}
