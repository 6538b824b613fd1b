/**
 * argon2id on a fixed pool of low-priority worker threads. Same PHC output and parameter
 * checks as createArgon2Hasher; the difference is where the CPU time goes. Each worker lowers
 * its own scheduling priority (on Linux a thread's nice value is per thread), so password
 * hashing uses spare CPU and never starves the event loop that answers session checks: a
 * login storm slows logins, not everything else. Callers bound concurrency with boundHasher,
 * sized to the pool.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { PasswordHasher } from '../core/credentials/ports.js';
import { createArgon2Hasher, type Argon2Params } from './argon2-hasher.js';

export interface Argon2Pool extends PasswordHasher {
  /** Stops the worker threads. */
  close(): Promise<void>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

const ARGON2ID = 2;

// The worker's code, run as an eval'd CommonJS worker so that it works the same from the
// TypeScript sources (tests) and the compiled build. The binding is loaded by absolute path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readlinkSync } = require('node:fs');
const { setPriority } = require('node:os');
const { hashSync, verifySync } = require(workerData.binding);
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, workerData.nice);
} catch {}
parentPort.on('message', (job) => {
  try {
    const result = job.op === 'hash' ? hashSync(job.password, workerData.options) : verifySync(job.stored, job.password);
    parentPort.postMessage({ id: job.id, result });
  } catch {
    parentPort.postMessage({ id: job.id, result: false, failed: job.op === 'hash' });
  }
});
`;
const PHC = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/;

/** A pool of `size` argon2id worker threads running at `nice` (0 to 19; higher is lower priority). */
export function createArgon2Pool(params: Argon2Params, size: number, nice = 10): Argon2Pool {
  const options = { algorithm: ARGON2ID, memoryCost: params.memoryKib, timeCost: params.timeCost, parallelism: params.parallelism, outputLen: 32 };
  const binding = createRequire(import.meta.url).resolve('@node-rs/argon2');
  const pending = new Map<number, Pending>();
  const idle: Worker[] = [];
  const waiting: Array<(w: Worker) => void> = [];
  let nextId = 1;
  let closed = false;

  const release = (w: Worker): void => {
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  };

  const workers = Array.from({ length: size }, () => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { options, nice, binding } });
    w.unref();
    w.on('message', (msg: { id: number; result: unknown; failed?: boolean }) => {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      w.unref(); // idle workers must not keep the process alive
      release(w);
      if (!p) return;
      if (msg.failed) p.reject(new Error('argon2 hashing failed'));
      else p.resolve(msg.result);
    });
    w.on('error', (err) => {
      for (const [, p] of pending) p.reject(err);
      pending.clear();
    });
    idle.push(w);
    return w;
  });

  async function run(op: 'hash' | 'verify', password: string, stored?: string): Promise<unknown> {
    if (closed) throw new Error('the hasher is closed');
    const worker = idle.pop() ?? (await new Promise<Worker>((resolve) => waiting.push(resolve)));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref(); // a job in flight keeps the process alive until it answers
      worker.postMessage({ id, op, password, stored });
    });
  }

  const rules = createArgon2Hasher(params);
  return {
    hash: async (password) => (await run('hash', password)) as string,
    verify: async (stored, password) => (PHC.test(stored) ? ((await run('verify', password, stored)) as boolean) : false),
    needsRehash: (stored) => rules.needsRehash(stored),
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
