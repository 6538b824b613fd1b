/**
 * The audience (`aud`) of access tokens (docs/decisions.md, "Access tokens name their
 * audience"). Tokens Latchkey issues for its own API carry FIRST_PARTY_AUDIENCE, and Latchkey's
 * own endpoints (bearer auth on /api/v1, introspection) accept no other. Tokens for other
 * applications (OIDC clients, later) will carry the client id as audience; a client id can
 * never equal the first-party audience (isClientAudience refuses it), so a token minted for one
 * is never accepted by the other.
 */

/** The audience of every access token Latchkey issues for its own API. */
export const FIRST_PARTY_AUDIENCE = 'latchkey:first-party';

/**
 * Whether an access token's `aud` claim lets Latchkey's own endpoints accept it: the first-party
 * audience, or none at all (tokens signed before `aud` existed, by this or an older node; they
 * expire within ACCESS_TOKEN_TTL). Any other value, a list included, is refused.
 */
export function acceptsAudience(aud: unknown): boolean {
  return aud === undefined || aud === FIRST_PARTY_AUDIENCE;
}

/** Whether `id` may be used as another application's audience (client id): never the first-party one, never empty. */
export function isClientAudience(id: string): boolean {
  return id.length > 0 && id !== FIRST_PARTY_AUDIENCE && !id.startsWith('latchkey:');
}
