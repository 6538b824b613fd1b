/** Starting and stopping the servers under test, with start-up time and peak memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Running {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the first answered /healthz. */
  startupMs: number;
  /** Peak resident set size so far, MiB (VmHWM). */
  peakRssMiB(): number;
  /** Current resident set size, MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function statusKiB(pid: number, field: string): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

async function waitForAnswer(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await fetch(url).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
}

/** Spawns `node args...` with env, waits until `probePath` answers. */
export async function startProcess(args: string[], env: Record<string, string>, probePath: string, port: number): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitForAnswer(`${url}${probePath}`, child, 20_000);
  const startupMs = performance.now() - started;
  const pid = child.pid!;
  return {
    url,
    pid,
    startupMs,
    peakRssMiB: () => statusKiB(pid, 'VmHWM') / 1024,
    rssMiB: () => statusKiB(pid, 'VmRSS') / 1024,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The V8 flags `npm start` and deploy/latchkey.service run Latchkey with (package.json, "start"). */
export const LATCHKEY_NODE_FLAGS = ['--max-semi-space-size=4'];
/** The environment they set for it: glibc's malloc (docs/decisions.md, *Speed*, "Peak memory in the mixed workload"). */
export const LATCHKEY_NODE_ENV = { MALLOC_ARENA_MAX: '2' };

/** Starts Latchkey from the compiled build; `nodeArgs` go before the script (e.g. --cpu-prof). */
export async function startLatchkey(env: Record<string, string>, nodeArgs: string[] = []): Promise<Running> {
  const port = await freePort();
  return startProcess(
    [...LATCHKEY_NODE_FLAGS, ...nodeArgs, 'dist/cli/main.js', 'serve'],
    // The load comes from one address: lift the per-address limits, which would cap `register` (and count refresh races).
    { ...LATCHKEY_NODE_ENV, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, JWT_ISSUER: 'latchkey-bench', REGISTRATION_PER_IP_HOUR: '1000000', MAIL_REQUESTS_PER_IP_HOUR: '1000000', TOKEN_FAILURES_PER_IP_MINUTE: '1000000', REFRESH_ROTATIONS_PER_MINUTE: '1000000', ...env },
    '/healthz',
    port,
  );
}

/** Starts the bare Fastify baseline server. */
export async function startBareFastify(): Promise<Running> {
  const port = await freePort();
  return startProcess(['bench/bare-server.mjs'], {}, '/', port);
}
