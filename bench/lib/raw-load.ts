/**
 * A load generator that is not the limit: raw keep-alive HTTP/1.1 over node:net, each request
 * built once as bytes, one request in flight per connection (closed loop, as autocannon and wrk
 * run), each connection from its own loopback source address (127.0.0.2, .3, ...) so
 * per-address limits see many clients. Its own ceiling is measured against a server that answers
 * without parsing (bench/loader-ceiling.ts) and shown in the report.
 *
 * Answers are framed by Content-Length (what Fastify sends) or, failing that, chunked encoding.
 * A refresh scenario gives `next` instead of fixed requests: each connection keeps its own chain
 * and builds its next request from its last answer (a pool of chains, each token used once).
 */
import { connect, type Socket } from 'node:net';
import type { LoadRequest, LoadResult } from './load.js';

export const RAW_LOADER = { name: 'raw-net', version: '1' };

/** The last answer a connection received, for building its next request. */
export interface Answer {
  status: number;
  body: Buffer;
}

export interface RawLoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Fixed requests as bytes; connection i starts at request i and cycles through them. */
  requests?: Buffer[];
  /** Or: the next request of connection `conn`, given its last answer (null at the start). */
  next?: (conn: number, last: Answer | null) => Buffer;
  /** The status that counts as a correct answer (default: any 2xx). */
  expect?: number;
  /** Run an uncounted warm-up of this many seconds first (default 1). */
  warmupSeconds?: number;
}

/** The bytes of one HTTP/1.1 keep-alive request. */
export function buildRequest(url: string, request: LoadRequest): Buffer {
  const { host } = new URL(url);
  const body = request.body ?? '';
  const headers: Record<string, string> = { host, connection: 'keep-alive', ...(body ? { 'content-type': 'application/json' } : {}), ...request.headers };
  if (body || request.method === 'POST') headers['content-length'] = String(Buffer.byteLength(body));
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.from(`${request.method ?? 'GET'} ${request.path} HTTP/1.1\r\n${head}\r\n${body}`);
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n');

/** Splits one complete answer off the front of `buf`: [answer, rest], or null if incomplete. */
function takeAnswer(buf: Buffer): [Answer, Buffer] | null {
  const end = buf.indexOf(HEADER_END);
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const start = end + 4;
  if (length) {
    const stop = start + Number(length[1]);
    return buf.length < stop ? null : [{ status, body: buf.subarray(start, stop) }, buf.subarray(stop)];
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const close = buf.indexOf(CHUNKED_END, start);
    return close < 0 ? null : [{ status, body: buf.subarray(start, close) }, buf.subarray(close + CHUNKED_END.length)];
  }
  return [{ status, body: Buffer.alloc(0) }, buf.subarray(start)];
}

interface Tally {
  latencies: number[];
  statusCodes: Record<string, number>;
  errors: number;
  requests: number;
}

function runOnce(options: RawLoadOptions, seconds: number, state: (Answer | null)[]): Promise<{ tally: Tally; elapsed: number }> {
  const { hostname, port } = new URL(options.url);
  const tally: Tally = { latencies: [], statusCodes: {}, errors: 0, requests: 0 };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const nextFor = (conn: number, turn: number): Buffer => {
    if (options.next) return options.next(conn, state[conn] ?? null);
    const list = options.requests as Buffer[];
    return list[(conn + turn) % list.length] as Buffer;
  };
  const one = (conn: number): Promise<void> =>
    new Promise((resolve) => {
      let socket: Socket;
      let buf: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let turn = 0;
      const send = (): void => {
        if (performance.now() >= deadline) {
          socket.destroy();
          return resolve();
        }
        sentAt = performance.now();
        socket.write(nextFor(conn, turn++));
      };
      const fail = (): void => {
        tally.errors++;
        socket.destroy();
        resolve();
      };
      socket = connect({ host: hostname, port: Number(port), localAddress: `127.0.0.${2 + (conn % 250)}`, noDelay: true }, send);
      socket.setTimeout(10_000, fail);
      socket.on('error', fail);
      socket.on('data', (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        const taken = takeAnswer(buf);
        if (!taken) return;
        const [answer, rest] = taken;
        buf = rest;
        tally.requests++;
        tally.latencies.push(performance.now() - sentAt);
        tally.statusCodes[answer.status] = (tally.statusCodes[answer.status] ?? 0) + 1;
        if (options.next) state[conn] = { status: answer.status, body: Buffer.from(answer.body) };
        send();
      });
    });
  return Promise.all(Array.from({ length: options.connections }, (_, i) => one(i))).then(() => ({ tally, elapsed: (performance.now() - started) / 1000 }));
}

const percentile = (sorted: number[], p: number): number => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number));

/** Runs the load for `seconds` after an uncounted warm-up; bounded in time and by a 10 s answer timeout. */
export async function runRawLoad(options: RawLoadOptions): Promise<LoadResult> {
  const state: (Answer | null)[] = [];
  const warmup = options.warmupSeconds ?? 1;
  if (warmup > 0) await runOnce(options, warmup, state);
  const { tally, elapsed } = await runOnce(options, options.seconds, state);
  const expect = options.expect === undefined ? '2xx' : String(options.expect);
  const ok = Object.entries(tally.statusCodes)
    .filter(([code]) => (options.expect === undefined ? code.startsWith('2') : code === expect))
    .reduce((sum, [, n]) => sum + n, 0);
  const sorted = tally.latencies.sort((x, y) => x - y);
  return {
    rps: elapsed > 0 ? ok / elapsed : 0,
    p50: Math.round(percentile(sorted, 50) * 100) / 100,
    p99: Math.round(percentile(sorted, 99) * 100) / 100,
    requests: tally.requests,
    errors: tally.errors,
    non2xx: tally.requests - Object.entries(tally.statusCodes).filter(([c]) => c.startsWith('2')).reduce((s, [, n]) => s + n, 0),
    seconds: elapsed,
    expect,
    ok,
    statusCodes: tally.statusCodes,
  };
}
