/**
 * The second factor's settings (README, "Configuration"; docs/security.md, "Second factor"):
 * REQUIRE_MFA (`on`: every account must have a second factor; one without is sent to enrol at
 * its next sign-in on the pages, and refused on the APIs until it has), MFA_STEP_TTL (how long a
 * login's pending second step lives) and MFA_STEP_ATTEMPTS (wrong codes it takes before it dies).
 */
import { ConfigError, readDuration, readInt, type Env } from './read.js';

export interface MfaConfig {
  /** REQUIRE_MFA: a second factor is mandatory. */
  required: boolean;
  /** MFA_STEP_TTL: seconds a pending second step lives. */
  stepTtl: number;
  /** MFA_STEP_ATTEMPTS: wrong codes one pending step takes before it dies. */
  stepAttempts: number;
}

/** The second factor's settings; a ConfigError names the first bad variable. */
export function readMfaConfig(env: Env): MfaConfig {
  const value = (env.REQUIRE_MFA ?? '').trim().toLowerCase();
  let required: boolean;
  if (value === '' || value === 'off' || value === 'false' || value === '0') required = false;
  else if (value === 'on' || value === 'true' || value === '1') required = true;
  else throw new ConfigError(`REQUIRE_MFA must be on or off (got ${JSON.stringify(env.REQUIRE_MFA?.slice(0, 40))})`);
  return {
    required,
    stepTtl: readDuration(env, 'MFA_STEP_TTL', 300, 30, 3600),
    stepAttempts: readInt(env, 'MFA_STEP_ATTEMPTS', 5, 1, 20),
  };
}
