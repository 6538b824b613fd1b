/**
 * OIDC_PROVIDER: `on` serves the OpenID Connect provider (discovery at
 * /.well-known/openid-configuration, endpoints under /oidc; README "Sign in with Latchkey");
 * `off` (the default) leaves those paths 404 and does not load the provider's library.
 */
import { ConfigError, type Env } from './read.js';

export interface OidcConfig {
  /** Serve the OpenID Connect provider. */
  enabled: boolean;
}

/** The OIDC settings; a ConfigError for an OIDC_PROVIDER that is neither on nor off. */
export function readOidcConfig(env: Env): OidcConfig {
  const value = (env.OIDC_PROVIDER ?? '').trim().toLowerCase();
  if (value === '' || value === 'off' || value === 'false' || value === '0') return { enabled: false };
  if (value === 'on' || value === 'true' || value === '1') return { enabled: true };
  throw new ConfigError(`OIDC_PROVIDER must be on or off (got ${JSON.stringify(env.OIDC_PROVIDER?.slice(0, 40))})`);
}
