/**
 * TOTP (RFC 6238) through `otpauth` (docs/decisions.md, "Second factor libraries"): SHA-1,
 * 6 digits, 30-second steps, the parameters every authenticator app reads from the otpauth URI.
 */
import type * as OtpAuth from 'otpauth';
import { atFirstUse } from '../config/first-use.js';
import type { TotpAlgorithm } from '../core/mfa/ports.js';

// Loaded at the first TOTP enrolment or code, not at start-up, where most servers never use it
// (docs/decisions.md, "Peak memory in the mixed workload").
const otpauth = atFirstUse<typeof OtpAuth>('otpauth');

const PERIOD = 30;

function totpFor(secret: string, label = 'account', issuer = 'Latchkey'): OtpAuth.TOTP {
  const { Secret, TOTP } = otpauth();
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });
}

/** The TOTP algorithm of the core's port. */
export function createTotpAlgorithm(): TotpAlgorithm {
  return {
    newSecret: () => new (otpauth().Secret)({ size: 20 }).base32,
    keyUri: (secret, label, issuer) => totpFor(secret, label, issuer).toString(),
    matchStep(secret, code, now, window) {
      const delta = totpFor(secret).validate({ token: code, timestamp: now, window });
      return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
    },
  };
}

/** The code of `secret` at `now` (milliseconds); for `latchkey` tests and tools that play the authenticator. */
export function totpCodeAt(secret: string, now: number): string {
  return totpFor(secret).generate({ timestamp: now });
}
