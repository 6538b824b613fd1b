/**
 * The Prometheus metrics of one app: its own prom-client Registry (never the global default one,
 * so many apps can live in one process, as in the tests), merged at scrape time with the
 * process-wide default metrics (CPU, memory, event loop, GC; prefixed `latchkey_`).
 *
 * Recorded as they happen: requests by method, route template and status, their latency, and
 * logins by surface and outcome. Computed at scrape time: the hash queue, the outbox backlog
 * and the live sessions. A scrape never fails because the database does: a database gauge that
 * cannot be read within SCRAPE_TIMEOUT_MS is left out and `latchkey_scrape_errors_total` counts it.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { eventLoopLag, startEventLoopSampler } from './event-loop.js';
import { LOGIN_OUTCOMES, LOGIN_SURFACES, type LoginOutcome, type LoginSurface } from './logins.js';

/** What the scrape-time gauges read. */
export interface MetricsSources {
  /** Password checks admitted (running or waiting for a hash thread) and queued behind them. */
  hashLoad(): { running: number; queued: number };
  /** Unsent mail: pending and failed rows. */
  outboxBacklog(): Promise<{ pending: number; failed: number }>;
  /** Live sessions by kind. */
  activeSessions(): Promise<{ cookie: number; token: number }>;
}

export interface Metrics {
  /** Records one finished request; `route` is a route template or "unmatched". */
  recordResponse(method: string, route: string, status: number, seconds: number): void;
  /** Records one login attempt. */
  recordLogin(surface: LoginSurface, outcome: LoginOutcome): void;
  /** Records one second step of a login (a code after `second_step`). */
  recordSecondStep(surface: LoginSurface, outcome: LoginOutcome): void;
  /** Records one request refused because its address had MAX_INFLIGHT_PER_ADDRESS requests in flight. */
  recordInflightRejection(): void;
  /** Every metric in the Prometheus text format. */
  render(): Promise<string>;
  /** The Content-Type of render()'s output. */
  readonly contentType: string;
}

export const SCRAPE_TIMEOUT_MS = 2000;

// Session checks take about a millisecond, an argon2id login 50 to 100 ms.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processRegistry: Registry | undefined;

// Default metrics describe the process, and collecting them installs observers that cannot be
// removed, so they are made once per process and shared by every app's scrape.
function sharedProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'latchkey_' });
  }
  return processRegistry;
}

/** Rejects after `ms` unless `work` settles first. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Shares one read among concurrent scrapes, so a slow database never piles up queries. */
function coalesced<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}

/** Builds the metrics of one app. */
export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  const registers = [registry];

  const requests = new Counter({
    name: 'latchkey_http_requests_total',
    help: 'HTTP requests by method, route template ("unmatched" when no route matched) and status.',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const latency = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response, by method, route template and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const logins = new Counter({
    name: 'latchkey_logins_total',
    help: 'Password logins by surface (jwt, cookie, basic, page) and outcome (success, failure, throttled, unavailable, invalid, second_step: the password was right and a code is asked).',
    labelNames: ['surface', 'outcome'],
    registers,
  });
  for (const surface of LOGIN_SURFACES) for (const outcome of LOGIN_OUTCOMES) logins.inc({ surface, outcome }, 0);
  const secondSteps = new Counter({
    name: 'latchkey_second_steps_total',
    help: 'Second steps of logins (a TOTP or recovery code) by surface (jwt, cookie, page) and outcome; logins with a second factor are its successes.',
    labelNames: ['surface', 'outcome'],
    registers,
  });

  const inflightRejections = new Counter({
    name: 'latchkey_inflight_rejected_total',
    help: 'Requests answered 429 because their client address already had MAX_INFLIGHT_PER_ADDRESS requests in flight.',
    registers,
  });
  startEventLoopSampler();
  new Gauge({
    name: 'latchkey_event_loop_lag_seconds',
    help: 'How late the event loop ran a 10 ms timer over the last 10 s (stat: p50, p99, max). Alarm: p99 above 0.1 for 5 minutes.',
    labelNames: ['stat'],
    registers,
    collect() {
      const lag = eventLoopLag();
      this.set({ stat: 'p50' }, lag.p50);
      this.set({ stat: 'p99' }, lag.p99);
      this.set({ stat: 'max' }, lag.max);
    },
  });

  const scrapeErrors = new Counter({
    name: 'latchkey_scrape_errors_total',
    help: 'Scrape-time gauges left out of a scrape because their source failed or was too slow.',
    labelNames: ['gauge'],
    registers,
  });

  new Gauge({
    name: 'latchkey_hash_queue_depth',
    help: 'Password checks waiting for admission to the hasher.',
    registers,
    collect() {
      this.set(sources.hashLoad().queued);
    },
  });
  new Gauge({
    name: 'latchkey_hash_in_flight',
    help: 'Password checks admitted to the hasher (hashing or waiting for a hash thread).',
    registers,
    collect() {
      this.set(sources.hashLoad().running);
    },
  });

  // Read before each scrape (not in a gauge's collect(), which runs after the error counter has
  // already been read); a failed read leaves its gauge without samples until a read succeeds.
  const databaseGauge = <K extends string>(name: string, help: string, label: string, read: () => Promise<Record<K, number>>) => {
    const shared = coalesced(read);
    const gauge = new Gauge({ name, help, labelNames: [label], registers });
    scrapeErrors.inc({ gauge: name }, 0);
    return async (): Promise<void> => {
      try {
        const values = await withTimeout(shared(), SCRAPE_TIMEOUT_MS);
        gauge.reset();
        for (const [key, value] of Object.entries(values)) gauge.set({ [label]: key }, value as number);
      } catch {
        gauge.reset();
        scrapeErrors.inc({ gauge: name });
      }
    };
  };
  const refreshers = [
    databaseGauge('latchkey_outbox_backlog', 'Unsent email: pending (waiting or retrying) and failed (given up).', 'state', () => sources.outboxBacklog()),
    databaseGauge('latchkey_active_sessions', 'Live sessions (not revoked, rotated or expired) by kind: cookie or token.', 'kind', () =>
      sources.activeSessions(),
    ),
  ];

  const scraped = Registry.merge([sharedProcessRegistry(), registry]);
  return {
    recordResponse(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    recordLogin(surface, outcome) {
      logins.inc({ surface, outcome });
    },
    recordSecondStep(surface, outcome) {
      secondSteps.inc({ surface, outcome });
    },
    recordInflightRejection() {
      inflightRejections.inc();
    },
    async render() {
      await Promise.all(refreshers.map((refresh) => refresh()));
      return scraped.metrics();
    },
    contentType: scraped.contentType,
  };
}
