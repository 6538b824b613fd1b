/** The two physical limits every figure is compared with, measured in the same run. */
import { hash } from '@node-rs/argon2';
import { runLoad, type LoadRequest, type LoadResult } from './lib/load.js';
import { runPickedLoad } from './lib/pick-load.js';
import { buildRequest, runRawLoad } from './lib/raw-load.js';
import { freePort, startBareFastify, startProcess, type Running } from './lib/processes.js';

/** Hashes per second of bare argon2id (same library and parameters as Latchkey) with `concurrency` callers. */
export async function argon2Rate(concurrency: number, seconds: number): Promise<number> {
  const options = { algorithm: 2 as never, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 };
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await hash('bench-password-1', options);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** The GET of the bare-Fastify baseline. */
const CONSTANT: LoadRequest = { path: '/' };
/**
 * The same constant asked for by a POST with the JSON body `{}` (what the cookie API's clients
 * send with `check_login`): the framework's own cost of reading and parsing a body, shown beside
 * the GET in the report; no ratio divides by it.
 */
export const JSON_POST: LoadRequest = { method: 'POST', path: '/', body: '{}' };

/** One load run against a running bare Fastify server (its constant at `/`). */
export function loadBareFastify(server: Running, connections: number, seconds: number, request: LoadRequest = CONSTANT): Promise<LoadResult> {
  return runPickedLoad({ url: server.url, connections, seconds, requests: [request] });
}

/** Requests per second of a bare Fastify server answering a constant (to `request`, the GET by default), at `connections`. */
export async function bareFastify(connections: number[], seconds: number, request: LoadRequest = CONSTANT): Promise<Record<number, LoadResult>> {
  const server = await startBareFastify();
  try {
    const out: Record<number, LoadResult> = {};
    for (const c of connections) out[c] = await loadBareFastify(server, c, seconds, request);
    return out;
  } finally {
    await server.stop();
  }
}

/**
 * Requests per second of bare Fastify doing one primary-key SELECT through pg per request
 * (bench/bare-pg-server.mjs, on `databaseUrl`): the ceiling of a database-checked request.
 */
export async function barePgSelect(databaseUrl: string, connections: number[], seconds: number): Promise<Record<number, LoadResult>> {
  const server = await startProcess(['bench/bare-pg-server.mjs'], { BARE_PG_URL: databaseUrl }, '/', await freePort());
  try {
    const out: Record<number, LoadResult> = {};
    for (const c of connections) out[c] = await runPickedLoad({ url: server.url, connections: c, seconds, requests: [{ path: '/' }] });
    return out;
  } finally {
    await server.stop();
  }
}

/** Both loaders against `server` (one constant at `/`), raw-net then autocannon at each of `connections`. */
export async function bothLoaders(server: Running, connections: number[], seconds: number): Promise<{ raw: Record<number, LoadResult>; autocannon: Record<number, LoadResult> }> {
  const out = { raw: {} as Record<number, LoadResult>, autocannon: {} as Record<number, LoadResult> };
  for (const c of connections) {
    out.raw[c] = await runRawLoad({ url: server.url, connections: c, seconds, requests: [buildRequest(server.url, { path: '/' })] });
    out.autocannon[c] = await runLoad({ url: server.url, connections: c, seconds, requests: [{ path: '/' }] });
  }
  return out;
}

/**
 * Each loader's own ceiling: what it reaches against bench/null-server.mjs, a server that answers
 * without parsing, at each of `connections` (the most that loader can measure on this machine).
 */
export async function loaderCeiling(connections: number[], seconds: number): Promise<{ raw: Record<number, LoadResult>; autocannon: Record<number, LoadResult> }> {
  const server = await startProcess(['bench/null-server.mjs'], {}, '/', await freePort());
  try {
    return await bothLoaders(server, connections, seconds);
  } finally {
    await server.stop();
  }
}
