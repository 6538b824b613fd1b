/** One bounded load run with autocannon against loopback. */
import autocannon from 'autocannon';

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
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  seconds: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  requests: LoadRequest[];
}

/** Runs load for a fixed time after a 1 s warm-up (JIT, caches) that is not counted; bounded by `seconds` and a request timeout. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  await once(options, 1);
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
  const total = result.requests.total as number;
  const elapsed = result.duration as number;
  return {
    rps: total / elapsed,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    seconds: elapsed,
  };
}
