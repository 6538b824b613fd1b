/**
 * The core's wiring that needs no HTTP: the system clock, the policy numbers from the
 * configuration, and the outbox as the admin flows read it. The CLI's database commands import
 * this, not assemble.ts, so they start without loading the web stack.
 */
import { LANGUAGES } from '../config/brand.js';
import type { Config } from '../config/index.js';
import { loadCommonPasswords } from '../config/password-list.js';
import type { MailQueueView } from '../core/admin/index.js';
import type { CorePolicy } from '../core/deps.js';
import type { SecondFactorDeps } from '../core/mfa/ports.js';
import type { Clock } from '../core/ports.js';
import { createSecretSealer } from '../crypto/secret-sealer.js';
import { createTotpAlgorithm } from '../crypto/totp.js';
import { createWebAuthnCeremonies } from '../crypto/webauthn.js';
import { createAppPasswordStore } from '../store/app-passwords.js';
import { createMfaStore } from '../store/mfa.js';
import { createPasskeyStore } from '../store/passkeys.js';
import type { OutboxQueue } from '../store/outbox.js';

export const systemClock: Clock = { now: () => Date.now() };

/** The outbox queue as the admin flows read it (the rows `latchkey outbox` lists, in the core's shape). */
export function adminMailQueue(queue: OutboxQueue): MailQueueView {
  return {
    async list(options) {
      const rows = await queue.list(options);
      return rows.map((r) => ({
        id: r.id,
        template: r.template,
        recipient: r.recipient,
        status: r.status,
        attempts: r.attempts,
        createdAt: r.created_at,
        nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
        sentAt: r.sent_at,
        lastError: r.last_error,
      }));
    },
    retry: (id, now) => queue.retry(id, now),
  };
}

/** The core's policy numbers from the configuration. */
export function corePolicy(config: Config): CorePolicy {
  return {
    accessTokenTtl: config.accessTokenTtl,
    refreshIdleTtl: config.refreshIdleTtl,
    refreshAbsoluteTtl: config.refreshAbsoluteTtl,
    refreshReuseGrace: config.refreshReuseGrace,
    sessionIdleTtl: config.sessionIdleTtl,
    sessionAbsoluteTtl: config.sessionAbsoluteTtl,
    passwordRules: { minLength: config.passwordMinLength, commonPasswords: loadCommonPasswords() },
    throttle: {
      freeFailures: config.loginFreeFailures,
      maxDelay: config.loginMaxDelay,
      ipFailuresPerMinute: config.loginIpFailuresPerMinute,
    },
    touchInterval: 60,
    confirmTokenTtl: config.confirmTokenTtl,
    resetTokenTtl: config.resetTokenTtl,
    resetMode: config.passwordResetMode,
    accountDomains: config.accountDomains,
    addressLimits: {
      registrationsPerHour: config.registrationsPerIpHour,
      mailRequestsPerHour: config.mailRequestsPerIpHour,
      tokenFailuresPerMinute: config.tokenFailuresPerIpMinute,
    },
    refreshRotationsPerMinute: config.refreshRotationsPerMinute,
    maxSessionsPerAccount: config.maxSessionsPerAccount,
    loginAfterLink: config.selfService.loginAfterLink,
    languages: LANGUAGES,
    requireMfa: config.mfa.required,
  };
}

/** Seconds a WebAuthn ceremony's challenge lives (docs/security.md, "Passkeys"). */
const PASSKEY_CHALLENGE_TTL = 300;

/** The second factor's parts: its store, the sealer of TOTP secrets (MASTER_KEY, else the server key), TOTP, passkeys. */
export function secondFactorDeps(config: Config, serverKey: string): SecondFactorDeps {
  return {
    store: createMfaStore(),
    appPasswords: createAppPasswordStore(),
    sealer: createSecretSealer(config.masterKey, serverKey),
    totp: createTotpAlgorithm(),
    // What authenticator apps name the entry: the brand once BRAND_NAME is set (docs/branding.md), else the site's host.
    issuer: config.brand.custom ? config.brand.name : new URL(config.publicUrl).hostname,
    challengeTtl: config.mfa.stepTtl,
    maxAttempts: config.mfa.stepAttempts,
    passkeys: { store: createPasskeyStore(), ceremonies: createWebAuthnCeremonies(config.publicUrl, config.brand.name), challengeTtl: PASSKEY_CHALLENGE_TTL },
  };
}
