/**
 * Wires the OpenID Connect provider (OIDC_PROVIDER=on): its stores, the core's OidcAccess, the
 * RS256 key beside the Ed25519 ones, and oidc-provider itself, loaded only when it is on.
 */
import type { OidcProviderSource } from '../http/oidc/provider.js';
import type { Config } from '../config/index.js';
import type { AccountsService } from '../core/accounts-service.js';
import type { CoreDeps } from '../core/deps.js';
import { cookieSettings } from '../http/cookies.js';
import { createOidcAccess, type OidcAccess } from '../core/oidc/access.js';
import { ensureRsaSigningKey, oidcSigningKeys } from '../core/oidc/keys.js';
import { createOidcClientStore, createOidcSessionGrantStore } from '../store/oidc-clients.js';
import type { MaintenanceLog } from './maintenance.js';
import type { Ui } from '../ui/index.js';
import { createOidcJobs, type OidcJobs } from './oidc-jobs.js';
import { createOidcLogoutNoticeStore } from '../store/oidc-logout-notices.js';
import { createOidcPayloadStore } from '../store/oidc-payloads.js';

export interface OidcWiring {
  provider: OidcProviderSource;
  access: OidcAccess;
  /** Ends grants of ended sessions, sends back-channel logouts (serve starts it; tests call runOnce). */
  jobs: OidcJobs;
}

/** The provider and its core access; null when OIDC_PROVIDER is off. */
export async function wireOidc(
  config: Config,
  deps: Pick<CoreDeps, 'uow' | 'clock' | 'audit' | 'accounts' | 'keys' | 'serverKey'>,
  service: Pick<AccountsService, 'resolveCookieSession'>,
  log: MaintenanceLog,
  ui: Ui,
): Promise<OidcWiring | null> {
  if (!config.oidc.enabled) return null;
  const access = createOidcAccess({
    ...deps,
    oidcPayloads: createOidcPayloadStore(),
    oidcClients: createOidcClientStore(),
    oidcGrants: createOidcSessionGrantStore(),
    oidcLogoutNotices: createOidcLogoutNoticeStore(),
  });
  await ensureRsaSigningKey(deps);
  const { createOidcProvider, cookieVisitor } = await import('../http/oidc/provider.js');
  const { createOidcPages } = await import('../http/oidc/pages.js');
  const settings = cookieSettings(config);
  const provider = createOidcProvider({
    issuer: config.publicUrl,
    access,
    keys: await oidcSigningKeys(deps),
    serverKey: deps.serverKey,
    proxy: config.trustProxy !== null,
    visitor: cookieVisitor(service, settings),
    pages: createOidcPages({ ui, settings, logoUrl: config.brand.logoUrl }),
  });
  // A key rotated or retired anywhere reaches this node's provider at its next job run.
  const checkKeys = async (): Promise<void> => {
    if (provider.useKeys(await oidcSigningKeys(deps))) log.info({ oidc_keys: provider.current().issuer }, 'OIDC provider now signs with the current key set');
  };
  return { provider, access, jobs: createOidcJobs(access, provider.sendLogoutToken, log, [checkKeys]) };
}
