/** A clock tests move by hand, so expiry is crossed without sleeping. */
import type { Clock } from '../../src/core/ports.js';

export interface FakeClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
  /**
   * Reads the real time until the next set() or advance(): for a test where Latchkey's times
   * are compared with a library's that reads the real clock (oidc-provider's), as in production.
   */
  followRealTime(): void;
}

export function createFakeClock(start = Date.now()): FakeClock {
  let t = start;
  let real = false;
  return {
    now: () => (real ? Date.now() : t),
    advance: (ms) => {
      t = (real ? Date.now() : t) + ms;
      real = false;
    },
    set: (ms) => {
      t = ms;
      real = false;
    },
    followRealTime: () => {
      real = true;
    },
  };
}
