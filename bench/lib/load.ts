/** One bounded load run with autocannon against loopback. */
import { createRequire } from 'node:module';
import autocannon from 'autocannon';

/** The load generator's name and version, recorded in every results file. */
export const LOADER = { name: 'autocannon', version: (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version };
/** Seconds of uncounted warm-up before each measured run. */
export const WARMUP_SECONDS = 1;

export interface LoadRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called before each request; may return a changed request. */
  setupRequest?: (req: any, context: any) => any;
  /** Called with each response. */
  onResponse?: (status: number, body: string, context: any) => void;
}

export interface LoadResult {
  /**
   * Answers of the expected status per second (before 2026-12-06 files: every answer, of any
   * status; use correctRate() to read either).
   */
  rps: number;
  /** Latency percentiles of the 2xx answers, ms. */
  p50: number;
  p99: number;
  /** Every answer received, of any status. */
  requests: number;
  /** Connection errors and timeouts (no answer). */
  errors: number;
  non2xx: number;
  seconds: number;
  /** The status counted as correct: a code, or "2xx" (absent before 2026-12-06: 2xx). */
  expect?: string;
  /** Answers of the expected status. */
  ok?: number;
  /** Answers by status code. */
  statusCodes?: Record<string, number>;
  /** The loader that ran it (bench/lib/pick-load.ts; absent before 2026-12-06 10:00: autocannon). */
  loader?: string;
}

/** Correct answers per second of a stored run, whichever format wrote it. */
export function correctRate(r: LoadResult): number {
  if (r.ok !== undefined) return r.seconds > 0 ? r.ok / r.seconds : 0;
  // Older files counted every answer in rps; only 2xx were correct there.
  return r.seconds > 0 ? (r.requests - r.non2xx) / r.seconds : 0;
}

/** Answers of another status than the expected one, plus errors, of a stored run. */
export function wrongAnswers(r: LoadResult): { unexpected: number; errors: number } {
  return { unexpected: r.ok !== undefined ? r.requests - r.ok : r.non2xx, errors: r.errors };
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  requests: LoadRequest[];
  /** The status that counts as a correct answer (default: any 2xx). */
  expect?: number;
}

/** Runs load for a fixed time after a 1 s warm-up (JIT, caches) that is not counted; bounded by `seconds` and a request timeout. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  await once(options, WARMUP_SECONDS);
  return once(options, options.seconds);
}

async function once(options: LoadOptions, seconds: number): Promise<LoadResult> {
  const result: any = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: seconds,
    timeout: 10,
    requests: options.requests.map((r) => ({
      method: r.method ?? 'GET',
      path: r.path,
      headers: { 'content-type': 'application/json', ...r.headers },
      ...(r.body !== undefined ? { body: r.body } : {}),
      ...(r.setupRequest ? { setupRequest: r.setupRequest } : {}),
      ...(r.onResponse ? { onResponse: r.onResponse } : {}),
    })),
  });
  // requests.total counts every answer, of any status; only the expected ones make the rate.
  const total = result.requests.total as number;
  const elapsed = result.duration as number;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats as Record<string, { count: number }>)) statusCodes[code] = count;
  const expect = options.expect === undefined ? '2xx' : String(options.expect);
  const ok = Object.entries(statusCodes)
    .filter(([code]) => (options.expect === undefined ? code.startsWith('2') && code.length === 3 : code === expect))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    rps: elapsed > 0 ? ok / elapsed : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    seconds: elapsed,
    expect,
    ok,
    statusCodes,
  };
}
