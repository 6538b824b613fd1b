/** Row types of the OpenID Connect provider's tables (migration 2026-12-06T0700-oidc). */

export interface OidcPayloadsTable {
  /** The oidc-provider model name: AuthorizationCode, AccessToken, RefreshToken, Grant, Session, Interaction ... */
  kind: string;
  id: string;
  /** The model's payload as JSON. */
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  /** Milliseconds since the epoch; null: no expiry. */
  expires_at: number | null;
  consumed_at: number | null;
}

export interface OidcClientsTable {
  id: string;
  name: string;
  /** SHA-256 (hex) of the client secret; null for a public client (PKCE, no secret). */
  secret_hash: string | null;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  /** JSON array of exact post-logout redirect URIs. */
  post_logout_redirect_uris: string;
  backchannel_logout_uri: string | null;
  /** 1: consent is skipped (an operator's own app). */
  first_party: number;
  /** The id token's signing algorithm: EdDSA or RS256. */
  id_token_alg: string;
  created_at: number;
  revoked_at: number | null;
}

export interface OidcSessionGrantsTable {
  grant_id: string;
  /** The Latchkey session (sessions.id) the user was signed in with when the grant was given. */
  session_id: string;
  account_id: string;
  client_id: string;
  created_at: number;
  /** The provider's session id of the grant's codes (migration 2026-12-06T1300), for the logout token. */
  sid: string | null;
}

/** A back-channel logout token still to be sent (migration 2026-12-06T1300-oidc-logout-notices). */
export interface OidcLogoutNoticesTable {
  id: string;
  client_id: string;
  account_id: string;
  sid: string | null;
  attempts: number;
  /** Milliseconds; also the lease of the node sending it. */
  next_attempt_at: number;
  created_at: number;
  /** A short reason of the last failure. */
  last_error: string | null;
}

export interface OidcTables {
  oidc_payloads: OidcPayloadsTable;
  oidc_clients: OidcClientsTable;
  oidc_session_grants: OidcSessionGrantsTable;
  oidc_logout_notices: OidcLogoutNoticesTable;
}
