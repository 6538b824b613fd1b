/**
 * Polling with a deadline: every wait in a test ends, with a message naming what never happened,
 * instead of spinning until the runner's timeout (scripts/run-tests.mjs).
 */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves to the milliseconds it took once `condition()` is true; checks every `everyMs`.
 * Rejects with `what` after `timeoutMs` (generous by default: a loaded machine is slow).
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, everyMs = 20 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (Date.now() - started >= timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
