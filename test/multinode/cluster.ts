/**
 * A cluster of real Latchkey processes (`latchkey serve`) on one PostgreSQL schema, driven over
 * HTTP, for the multi-node tests. Each node is a separate OS process with its own caches, key
 * set and outbox sender, so anything the nodes share must go through the database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startMailbox, type Mailbox } from '../support/mailbox.js';
import { freePort } from '../support/free-port.js';

export interface Node {
  name: string;
  url: string;
  process: ChildProcess;
}

export interface Cluster {
  nodes: Node[];
  database: TestDatabase;
  /** Stops every node (SIGTERM, then SIGKILL after 5 s) and drops the schema. */
  stop(): Promise<void>;
}

/** How long a node may take to answer /healthz after it is spawned (tsx, migrations) on a loaded machine. */
export const NODE_START_MS = 90_000;

/** Starts one node on `databaseUrl`; resolves when it answers /healthz. */
export async function startNode(name: string, databaseUrl: string, env: Record<string, string> = {}): Promise<Node> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: 'http://127.0.0.1:3000',
      LOG_LEVEL: 'warn',
      // Every request comes from 127.0.0.1: lift the per-address sign-up limits unless a test sets them.
      REGISTRATION_PER_IP_HOUR: '1000000',
      MAIL_REQUESTS_PER_IP_HOUR: '1000000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + NODE_START_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node ${name} exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { name, url, process: child };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node ${name} did not answer within ${NODE_START_MS / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a node: SIGTERM, then SIGKILL if it has not exited after 5 s. */
export function stopNode(node: Node): Promise<void> {
  return new Promise((resolve) => {
    if (node.process.exitCode !== null || node.process.signalCode !== null) return resolve();
    const timer = setTimeout(() => node.process.kill('SIGKILL'), 5000);
    node.process.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    node.process.kill('SIGTERM');
  });
}

/** Starts `count` nodes on a fresh schema. The first migrates alone, then the rest start together. */
export async function startCluster(count: number, env: Record<string, string> = {}): Promise<Cluster> {
  const database = createTestDatabase();
  const first = await startNode('A', database.url, env);
  const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) => startNode(String.fromCharCode(66 + i), database.url, env)));
  const nodes = [first, ...rest];
  return {
    nodes,
    database,
    async stop() {
      await Promise.all(nodes.map(stopNode));
      await database.drop();
    },
  };
}

/** A request that has no answer after this long fails (a hung node must not hang a test). */
export const SEND_TIMEOUT_MS = 30_000;

/** A JSON request to a node; rejects on a lost connection or after SEND_TIMEOUT_MS. */
export async function send(
  node: Node,
  method: string,
  path: string,
  options: { json?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: { ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}),
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

/** A cluster whose nodes send mail to a real SMTP server started for it, polling every second. */
export async function startMailingCluster(count: number): Promise<Cluster & { mailbox: Mailbox }> {
  const mailbox = await startMailbox();
  const cluster = await startCluster(count, { SMTP_URL: mailbox.url, OUTBOX_POLL_INTERVAL: '1' });
  return {
    ...cluster,
    mailbox,
    async stop() {
      await cluster.stop();
      await mailbox.stop();
    },
  };
}
