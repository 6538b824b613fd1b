/** A job that runs on a jittered timer until stopped (the cleanup, the OIDC jobs): one run at a time, a failed run logged and retried at the next. */

export interface Periodic {
  /** Runs the job every interval (with ±10 % jitter, so nodes spread out). */
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Schedules `run` every `intervalMs`; `onError` gets a run's failure. Nothing runs until start(). */
export function periodic(intervalMs: number, run: () => Promise<unknown>, onError: (err: unknown) => void): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = true;

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run().catch(onError).finally(schedule);
    }, intervalMs * (0.9 + Math.random() * 0.2));
    timer.unref();
  };

  return {
    start() {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
