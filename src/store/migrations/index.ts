/**
 * Every migration, in order. Listed here (not read from a folder) so the same list works from
 * TypeScript sources and from the compiled build. Names sort by time.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as core from './2026-11-22T0500-core.js';
import * as linksPromoOutbox from './2026-11-22T0600-links-promo-outbox.js';

import * as loginThrottle from './2026-11-22T0800-login-throttle.js';
import * as serviceKeys from './2026-11-22T0900-service-keys.js';
import * as auditEvents from './2026-11-22T0920-audit-events.js';
import * as refreshChain from './2026-12-05T0100-refresh-chain.js';
import * as loginIdentifiers from './2026-12-06T0100-login-identifiers.js';
import * as refreshRate from './2026-12-06T0200-refresh-rate.js';
import * as throttleKeysHashed from './2026-12-06T0300-throttle-keys-hashed.js';
import * as liveSessionsIndex from './2026-12-06T0400-live-sessions-index.js';
import * as oidc from './2026-12-06T0700-oidc.js';
import * as secondFactor from './2026-12-06T0800-second-factor.js';
import * as appPasswords from './2026-12-06T0810-app-passwords.js';
import * as sessionChangeNotify from './2026-12-06T1000-session-change-notify.js';
import * as passkeys from './2026-12-06T1100-passkeys.js';
import * as mailLanguage from './2026-12-06T1200-mail-language.js';
import * as oidcLogoutNotices from './2026-12-06T1300-oidc-logout-notices.js';
import * as liveSessionsIndexByAccount from './2026-12-07T0100-live-sessions-index-by-account.js';
import * as openSessionFunction from './2026-12-07T1600-open-session-function.js';
import * as registerAccountFunction from './2026-12-07T1700-register-account-function.js';
import * as rotateSessionsFunction from './2026-12-07T2300-rotate-sessions-function.js';

const migrations: Record<string, Migration> = {
  '2026-11-22T0500-core': core,
  '2026-11-22T0600-links-promo-outbox': linksPromoOutbox,
  '2026-11-22T0800-login-throttle': loginThrottle,
  '2026-11-22T0900-service-keys': serviceKeys,
  '2026-11-22T0920-audit-events': auditEvents,
  '2026-12-05T0100-refresh-chain': refreshChain,
  '2026-12-06T0100-login-identifiers': loginIdentifiers,
  '2026-12-06T0200-refresh-rate': refreshRate,
  '2026-12-06T0300-throttle-keys-hashed': throttleKeysHashed,
  '2026-12-06T0400-live-sessions-index': liveSessionsIndex,
  '2026-12-06T0700-oidc': oidc,
  '2026-12-06T0800-second-factor': secondFactor,
  '2026-12-06T0810-app-passwords': appPasswords,
  '2026-12-06T1000-session-change-notify': sessionChangeNotify,
  '2026-12-06T1100-passkeys': passkeys,
  '2026-12-06T1200-mail-language': mailLanguage,
  '2026-12-06T1300-oidc-logout-notices': oidcLogoutNotices,
  '2026-12-07T0100-live-sessions-index-by-account': liveSessionsIndexByAccount,
  '2026-12-07T1600-open-session-function': openSessionFunction,
  '2026-12-07T1700-register-account-function': registerAccountFunction,
  '2026-12-07T2300-rotate-sessions-function': rotateSessionsFunction,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
