/**
 * The OpenAPI descriptions of the OpenID Connect provider's endpoints (the provider answers them;
 * these schemas only document them) and of its sign-in pages. The wire formats are the
 * standards': OpenID Connect Discovery and Core, RFC 6749, 7009, 7662, 7636.
 */
import { emptyResponse, formBody, HEADERS, htmlResponse, jsonResponse, PUBLIC, queryParameter, type RouteSchema } from '../openapi/route-docs.js';

const oauthError = { type: 'object', required: ['error'], properties: { error: { type: 'string' }, error_description: { type: 'string' } } };
const json = { type: 'object', additionalProperties: true };
const clientAuth = 'Confidential clients authenticate with HTTP Basic (`client_secret_basic`); public clients send `client_id` and use PKCE.';
const redirect = (what: string) => emptyResponse(what, { location: HEADERS.location });
const doc = (summary: string, description: string, response: RouteSchema['response'], extra: Partial<RouteSchema> = {}): RouteSchema => ({
  summary,
  description,
  tags: ['oidc'],
  security: PUBLIC,
  response,
  ...extra,
});

/** The documented endpoints, by method and path. */
export const OIDC_ENDPOINT_DOCS: Array<{ method: 'GET' | 'POST'; url: string; schema: RouteSchema }> = [
  { method: 'GET', url: '/.well-known/openid-configuration', schema: doc('OpenID Provider metadata (discovery)', 'Issuer `PUBLIC_URL`, the endpoints below, `response_types_supported: ["code"]`, `code_challenge_methods_supported: ["S256"]`.', { 200: jsonResponse('The metadata.', json) }) },
  {
    method: 'GET',
    url: '/oidc/auth',
    schema: doc('Authorization endpoint (code flow, PKCE S256 required)', 'Sends the browser to the sign-in page, then back to the exact registered `redirect_uri` with `code` and `state`, or with `error`. A bad client or redirect URI is an HTML error page, never a redirect.', { 303: redirect('To the sign-in page or back to the app.'), 400: htmlResponse('The request cannot be answered by a redirect.') }, {
      parameters: [
        queryParameter('client_id', 'The registered client.', { type: 'string' }, { required: true }),
        queryParameter('redirect_uri', 'Exactly one of the registered redirect URIs.', { type: 'string' }, { required: true }),
        queryParameter('response_type', 'Always `code`.', { type: 'string', enum: ['code'] }, { required: true }),
        queryParameter('scope', '`openid`, and any of `email profile offline_access`.', { type: 'string' }, { required: true }),
        queryParameter('code_challenge', 'PKCE challenge (S256).', { type: 'string' }, { required: true }),
        queryParameter('code_challenge_method', 'Always `S256`.', { type: 'string', enum: ['S256'] }, { required: true }),
        queryParameter('state', 'Returned unchanged.', { type: 'string' }),
        queryParameter('nonce', 'Put into the id token.', { type: 'string' }),
        queryParameter('prompt', '`none`: no page (`login_required` unless the Latchkey session and the grant allow it); `login`: the user signs in again on /login even with a live Latchkey session; `consent`.', { type: 'string' }),
        queryParameter('max_age', 'Seconds: a Latchkey session authenticated longer ago makes the user sign in again (`0` as `prompt=login`). The id token then carries `auth_time`.', { type: 'integer', minimum: 0 }),
      ],
    }),
  },
  {
    method: 'POST',
    url: '/oidc/token',
    schema: doc('Token endpoint', `authorization_code (with code_verifier) and refresh_token grants; the refresh token rotates at every use. ${clientAuth} CORS for the client's registered redirect origins.`, { 200: jsonResponse('access_token, token_type, expires_in, id_token, refresh_token, scope.', json), 400: jsonResponse('invalid_grant, invalid_request ...', oauthError), 401: jsonResponse('invalid_client.', oauthError) }, {
      requestBody: formBody('The grant.', { grant_type: { description: '`authorization_code` or `refresh_token`.' }, code: { description: 'The code.' }, redirect_uri: { description: 'As sent to /oidc/auth.' }, code_verifier: { description: 'PKCE verifier.' }, refresh_token: { description: 'For a refresh.' } }, ['grant_type']),
    }),
  },
  { method: 'GET', url: '/oidc/me', schema: doc('UserInfo', 'With the access token as a bearer token: `sub`, and per scope `email`, `email_verified`, `preferred_username`.', { 200: jsonResponse('The claims.', json), 401: jsonResponse('No live token.', oauthError) }) },
  { method: 'GET', url: '/oidc/jwks', schema: doc('The provider signing keys (EdDSA and RS256)', 'Public keys for verifying id tokens.', { 200: jsonResponse('A JWK Set.', json) }) },
  { method: 'GET', url: '/oidc/session/end', schema: doc('RP-initiated logout', 'Asks the user to confirm, then ends the provider session and sends the browser to a registered `post_logout_redirect_uri`.', { 200: htmlResponse('The confirmation page.'), 303: redirect('Back to the app.') }) },
  { method: 'POST', url: '/oidc/token/revocation', schema: doc('Token revocation (RFC 7009)', clientAuth, { 200: emptyResponse('Revoked (or unknown).'), 401: jsonResponse('invalid_client.', oauthError) }, { requestBody: formBody('The token.', { token: { description: 'An access or refresh token.' } }, ['token']) }) },
  { method: 'POST', url: '/oidc/token/introspection', schema: doc('Token introspection (RFC 7662)', `${clientAuth} \`active: false\` once the user logged out of Latchkey, the account was disabled or the token was revoked.`, { 200: jsonResponse('`active`, and for a live token `sub`, `client_id`, `scope`, `exp` ...', json), 401: jsonResponse('invalid_client.', oauthError) }, { requestBody: formBody('The token.', { token: { description: 'An access or refresh token.' } }, ['token']) }) },
];

const uid = { type: 'object', required: ['uid'], properties: { uid: { type: 'string', maxLength: 100 } } };

export const interactionPageRoute: RouteSchema = doc('Sign-in page of an authorization', 'A visitor signed in to Latchkey goes straight on (consent page for third-party clients); anyone else is sent to /login with a `return_to` back here (the second step too, when the account has one). When the app asked for a fresh sign-in (`prompt=login`, or a `max_age` the session is older than), a signed-in visitor is sent to /login too (`reauth=1`), until the Latchkey session is one authenticated after the request began.', { 200: htmlResponse('The consent page.'), 303: redirect('Back to the authorization, or to /login?return_to=… when not signed in or a fresh sign-in is asked for.'), 400: htmlResponse('The sign-in request expired or is unknown.') }, { params: uid });

export const interactionConsentRoute: RouteSchema = doc('Allow or deny a third-party app', 'Needs the Latchkey session and its CSRF token; allowing needs a session fresh enough for the request (`prompt=login`, `max_age`).', { 303: redirect('Back to the authorization (with `access_denied` when denied), or to /login?…&reauth=1 when the session is not fresh enough.'), 403: htmlResponse('Not signed in, or CSRF check failed.') }, {
  params: uid,
  requestBody: formBody('The consent form.', { csrf: { description: "The session's CSRF token." }, decision: { description: '`allow` or `deny`.' } }, ['csrf', 'decision']),
});
