/**
 * The Chromium the browser tests drive (Debian's package). With REQUIRE_BROWSER=1 (set by
 * .ci/run) a missing Chromium is an error, not a skip: importing a browser test fails loudly.
 */
import { existsSync } from 'node:fs';
import { requireOrSkip } from './redis.js';

export const CHROMIUM = '/usr/bin/chromium';

/** False when Chromium is installed, else the reason to skip (throws with REQUIRE_BROWSER=1). */
export function browserSkip(): string | false {
  const reason = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (the browser tests need it)`;
  return requireOrSkip('REQUIRE_BROWSER', reason) ?? false;
}
