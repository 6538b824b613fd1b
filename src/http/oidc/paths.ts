/** The OIDC provider's paths (no import of oidc-provider here: the app loads this module with OIDC off). */

/** The provider's paths, under /oidc (discovery stays at /.well-known/openid-configuration). */
export const OIDC_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/me',
  jwks: '/oidc/jwks',
  end_session: '/oidc/session/end',
  revocation: '/oidc/token/revocation',
  introspection: '/oidc/token/introspection',
} as const;

export const INTERACTION_PREFIX = '/oidc/interaction/';

