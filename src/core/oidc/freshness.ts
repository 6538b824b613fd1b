/**
 * How fresh an app may ask the sign-in to be (OpenID Connect Core: `prompt=login`, `max_age`;
 * docs/integration.md, "Asking for a fresh sign-in"; docs/security.md, "OpenID Connect provider").
 * The interaction reuses the visitor's live Latchkey session unless the app's request says it is
 * too old; then the user signs in again on the hosted /login page, which makes a new session.
 *
 * Every time here is the server's, in whole seconds: when the Latchkey session was authenticated
 * (its row's creation: the login, second step included, that made it) and when the provider
 * created the interaction. Nothing the browser sends takes part, so no request can make a stale
 * session count as fresh; a session counts as a sign-in *for* this request only when it was
 * authenticated after the request began.
 */

/** What the authorization request asked of the sign-in's age. */
export interface FreshnessRequest {
  /** When the provider created the interaction (seconds since the epoch). */
  startedAt: number;
  /** `prompt=login`: a sign-in made for this request, whatever session is live. */
  loginPrompt: boolean;
  /** `max_age` in seconds: a sign-in at most this old; undefined when not asked. */
  maxAge: number | undefined;
}

/** When a Latchkey session was authenticated, in seconds since the epoch: the id token's `auth_time`. */
export function authenticatedAt(session: { createdAt: number }): number {
  return Math.floor(session.createdAt / 1000);
}

/**
 * Whether a session authenticated at `authTime` (seconds) is too old for `request` at `now`
 * (seconds), so the user must sign in again before the app gets its code.
 */
export function mustSignInAgain(request: FreshnessRequest, authTime: number, now: number): boolean {
  if (authTime >= request.startedAt) return false; // signed in during this request
  if (request.loginPrompt) return true;
  return request.maxAge !== undefined && now - authTime > request.maxAge;
}
