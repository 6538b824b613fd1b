/**
 * The event loop's lag, as `latchkey_event_loop_lag_seconds` (README, "Metrics"): how late a
 * 10 ms timer fired, over the last complete 10-second interval (p50, p99 and max). Every request,
 * session check and audit write runs on this one thread, so its lag is the latency every client
 * gets added; the alarm level is a p99 above 0.1 s for 5 minutes (docs/deploy.md).
 *
 * One sampler per process (perf_hooks.monitorEventLoopDelay), shared by every app in it; its
 * interval timer does not keep the process alive.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const INTERVAL_MS = 10_000;

export interface LagSnapshot {
  p50: number;
  p99: number;
  max: number;
}

let histogram: IntervalHistogram | undefined;
let last: LagSnapshot = { p50: 0, p99: 0, max: 0 };

// The histogram holds how long each 10 ms timer took to fire; the lag is what exceeds 10 ms.
const lagSeconds = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1000;

/** Starts the process's sampler (once); later calls do nothing. */
export function startEventLoopSampler(): void {
  if (histogram) return;
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  histogram = h;
  setInterval(() => {
    if (h.count > 0) last = { p50: lagSeconds(h.percentile(50)), p99: lagSeconds(h.percentile(99)), max: lagSeconds(h.max) };
    h.reset();
  }, INTERVAL_MS).unref();
}

/** The lag over the last complete interval, in seconds (zeros before the first one ends). */
export function eventLoopLag(): LagSnapshot {
  return last;
}
