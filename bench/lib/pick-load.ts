/**
 * Which loader runs a load: the raw loader (raw-load.ts) wherever the requests are fixed (session
 * checks, bare Fastify) or can be built per connection as a chain (logins, refresh, register,
 * logout); autocannon only for the mixed workload, whose requests autocannon builds anew. On two
 * cores autocannon tops out below bare Fastify, and where it does not limit the rate (logins) its
 * own CPU still comes out of the cores argon2id runs on. BENCH_LOADER=autocannon runs everything
 * on autocannon (to compare with older results files).
 */
import { runLoad, type LoadOptions, type LoadResult } from './load.js';
import { buildRequest, runRawLoad, type Answer } from './raw-load.js';

/** A per-connection chain for the raw loader: the next request from the last answer. */
export type ChainSource = (url: string) => (conn: number, last: Answer | null) => Buffer;

export interface PickedLoadOptions extends LoadOptions {
  /** Set for scenarios the raw loader runs as chains (logins, refresh, register, logout). */
  chain?: ChainSource;
}

/** The loader a run would use. */
export function loaderFor(options: PickedLoadOptions): 'raw-net' | 'autocannon' {
  if (process.env.BENCH_LOADER === 'autocannon') return 'autocannon';
  if (options.chain) return 'raw-net';
  return options.requests.every((r) => !r.setupRequest && !r.onResponse) ? 'raw-net' : 'autocannon';
}

/** Runs the load on the loader loaderFor() picks; the result names it. */
export async function runPickedLoad(options: PickedLoadOptions): Promise<LoadResult & { loader: string }> {
  const loader = loaderFor(options);
  if (loader === 'autocannon') return { ...(await runLoad(options)), loader };
  const common = { url: options.url, connections: options.connections, seconds: options.seconds, ...(options.expect !== undefined ? { expect: options.expect } : {}) };
  const result = options.chain
    ? await runRawLoad({ ...common, next: options.chain(options.url) })
    : await runRawLoad({ ...common, requests: options.requests.map((r) => buildRequest(options.url, r)) });
  return { ...result, loader };
}
