/**
 * SEC-67b (a mixed workload: login 10 %, whoami 70 %, refresh 20 %, with no 5xx and p99 within
 * budget) and SEC-67g (restarting the nodes one at a time under that workload loses no session
 * and fails no request) against real `latchkey serve` processes with argon2id.
 *
 * These are the short CI forms: seconds, not the checklist's 10 minutes at the target rate. The
 * long run is `npm run bench` (scenario `mixed`, docs/benchmarks.md). The load runs until enough
 * answers were seen, not for a fixed time, and the latency bounds are loose enough for a loaded
 * 2-core machine (they catch a hang or a hash on the wrong path); the measured figures are printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { send, startNode, stopNode, type Node } from '../multinode/cluster.js';
import { createTestDatabase } from '../support/database.js';
import { waitFor } from '../support/wait.js';

const ACCOUNTS = 6;
const password = (i: number) => `load-account-${i}-passphrase`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Stats {
  latencies: Record<'login' | 'me' | 'refresh', number[]>;
  statuses: Map<number, number>;
  /** Requests that got no HTTP answer at all (connection refused or reset), with what happened. */
  transportErrors: number;
  transportKinds: Map<string, number>;
  /** Answers a live session should never get: 401 on whoami or refresh. */
  sessionLost: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

async function prepare(node: Node): Promise<void> {
  for (let i = 0; i < ACCOUNTS; i++) {
    const res = await send(node, 'POST', '/api/v1/account/register', { json: { username: `load${i}`, password: password(i) } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
}

/** Each client refreshes its one chain several times a second: far past a real client's rate (docs/decisions.md). */
const LOAD_ENV = { REFRESH_ROTATIONS_PER_MINUTE: '1000000' };
const answers = (stats: Stats): number => [...stats.statuses.values()].reduce((a, b) => a + b, 0);

/** A client-side balancer: runs one request against the node it picks, and knows when it is over. */
type Balancer = <T>(request: (node: Node) => Promise<T>) => Promise<T>;

/**
 * Runs `workers` clients, each with its own token pair, sending each request through `via` (a
 * balancer over the nodes that are in rotation), until `during()` is over, or else
 * until `minAnswers` answers and `minMs` have passed; never longer than `maxMs`.
 */
async function mixedLoad(
  via: Balancer,
  workers: number,
  { minMs = 0, minAnswers = 0, maxMs }: { minMs?: number; minAnswers?: number; maxMs: number },
  during?: (stats: Stats) => Promise<void>,
): Promise<Stats> {
  const stats: Stats = { latencies: { login: [], me: [], refresh: [] }, statuses: new Map(), transportErrors: 0, transportKinds: new Map(), sessionLost: [] };
  const pairs: Array<{ access: string; refresh: string }> = [];
  for (let w = 0; w < workers; w++) {
    const res = await via((node) => send(node, 'POST', '/api/v1/account/login', { json: { username: `load${w % ACCOUNTS}`, password: password(w % ACCOUNTS) } }));
    assert.equal(res.status, 200);
    pairs.push(res.body.result.token);
  }
  const started = Date.now();
  const deadline = started + maxMs;
  let stopped = false;
  const enough = (): boolean => !during && Date.now() - started >= minMs && answers(stats) >= minAnswers;
  const timed = async (kind: keyof Stats['latencies'], fn: () => Promise<{ status: number; body: any }>) => {
    const started = performance.now();
    try {
      const res = await fn();
      stats.latencies[kind].push(performance.now() - started);
      stats.statuses.set(res.status, (stats.statuses.get(res.status) ?? 0) + 1);
      return res;
    } catch (err) {
      stats.transportErrors++;
      const key = `${kind} ${(err as Error).name}${(err as Error).cause instanceof Error ? ` (${((err as Error).cause as Error).message})` : ''}`;
      stats.transportKinds.set(key, (stats.transportKinds.get(key) ?? 0) + 1);
      return null;
    }
  };
  const worker = async (w: number) => {
    let i = 0;
    while (!stopped && !enough() && Date.now() < deadline) {
      const r = (w * 7 + i++ * 13) % 10; // a fixed 1 : 7 : 2 mix per worker
      await via((node) => oneRequest(w, r, node));
    }
  };
  const oneRequest = async (w: number, r: number, node: Node): Promise<void> => {
    if (r === 0) {
      const res = await timed('login', () => send(node, 'POST', '/api/v1/account/login', { json: { username: `load${w % ACCOUNTS}`, password: password(w % ACCOUNTS) } }));
      if (res && res.status !== 200) stats.sessionLost.push(`login ${res.status}`);
    } else if (r <= 7) {
      const res = await timed('me', () => send(node, 'GET', '/api/v1/account/me', { headers: bearer(pairs[w]!.access) }));
      if (res && res.status !== 200) stats.sessionLost.push(`me ${res.status} on ${node.name}`);
    } else {
      const res = await timed('refresh', () => send(node, 'GET', '/api/v1/account/refresh', { headers: bearer(pairs[w]!.refresh) }));
      if (res?.status === 200) pairs[w] = res.body.result.token;
      else if (res) stats.sessionLost.push(`refresh ${res.status} on ${node.name}: ${JSON.stringify(res.body)}`);
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  if (during) {
    try {
      await during(stats);
    } finally {
      stopped = true;
    }
  }
  await running;
  // Every client's session is still alive afterwards.
  for (const [w, pair] of pairs.entries()) {
    const me = await via((node) => send(node, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) }));
    if (me.status !== 200) stats.sessionLost.push(`after the run, worker ${w}: me ${me.status}`);
  }
  return stats;
}

function summary(stats: Stats): string {
  const errors = [...stats.transportKinds].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none';
  return `${answers(stats)} answers ${JSON.stringify(Object.fromEntries(stats.statuses))}, requests without an answer: ${errors}, p99 login ${p99(stats.latencies.login).toFixed(0)} ms, me ${p99(stats.latencies.me).toFixed(0)} ms, refresh ${p99(stats.latencies.refresh).toFixed(0)} ms`;
}

function databaseUrl(): { url: string; drop: () => Promise<void> } {
  if (process.env.TEST_DATABASE_URL) return createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-load-'));
  return { url: `sqlite:${join(dir, 'load.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

describe('SEC-67b mixed workload', () => {
  it('SEC-67b login 10 %, whoami 70 %, refresh 20 % from 8 clients for 300 answers and 8 s: no 5xx, no lost session, p99 within budget', async () => {
    const db = databaseUrl();
    const node = await startNode('load', db.url, LOAD_ENV);
    try {
      await prepare(node);
      const stats = await mixedLoad((request) => request(node), 8, { minMs: 8000, minAnswers: 300, maxMs: 90_000 });
      const text = summary(stats);
      console.log(`# SEC-67b mixed workload: ${text}`);
      assert.ok(answers(stats) >= 300, `too little load to judge within 90 s: ${text}`);
      assert.equal(stats.transportErrors, 0, text);
      assert.deepEqual([...stats.statuses.keys()].filter((s) => s >= 500), [], text);
      assert.deepEqual(stats.sessionLost, [], text);
      // Loose bounds for a loaded 2-core machine shared with other jobs (docs/benchmarks.md has the
      // real figures): they catch a hang, not a slow machine. And whoami, which hashes nothing,
      // must stay well under a login, which runs argon2id: this holds on a slow machine too.
      assert.ok(p99(stats.latencies.me) < 5000, `whoami p99: ${text}`);
      assert.ok(p99(stats.latencies.refresh) < 5000, `refresh p99: ${text}`);
      assert.ok(p99(stats.latencies.login) < 15_000, `login p99: ${text}`);
      assert.ok(median(stats.latencies.me) < median(stats.latencies.login), `whoami median under the login median: ${text}`);
    } finally {
      await stopNode(node);
      await db.drop();
    }
  });
});

describe('SEC-67g rolling restart under load', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set (two nodes share PostgreSQL)', timeout: 300_000 }, () => {
  it('SEC-67g restarting two nodes one at a time under the mixed workload loses no session and fails no request', async () => {
    const db = createTestDatabase();
    const nodes: Node[] = [await startNode('A', db.url, LOAD_ENV)];
    nodes.push(await startNode('B', db.url, LOAD_ENV));
    const inRotation = new Set<Node>(nodes);
    // Requests sent to each node and not yet answered: a load balancer drains a node it took out
    // of rotation before stopping it. A request that reaches a node after its SIGTERM is answered
    // 503 (Fastify's return503OnClosing, so that a proxy may retry it elsewhere), or finds the
    // connection closed: that is the balancer's race, not a failure of the node.
    const inFlight = new Map<Node, number>();
    let turn = 0;
    const via: Balancer = async (request) => {
      const live = [...inRotation];
      const node = live[turn++ % live.length]!;
      inFlight.set(node, (inFlight.get(node) ?? 0) + 1);
      try {
        return await request(node);
      } finally {
        inFlight.set(node, (inFlight.get(node) ?? 1) - 1);
      }
    };
    try {
      await prepare(nodes[0]!);
      // Each step waits for answers (an event), not for a fixed time: 30 answers before the first
      // restart and after each new node joins, so every node serves under load.
      const moreAnswers = async (stats: Stats, what: string): Promise<void> => {
        const from = answers(stats);
        await waitFor(what, () => answers(stats) >= from + 30, { timeoutMs: 60_000 });
      };
      const stats = await mixedLoad(via, 6, { maxMs: 240_000 }, async (live) => {
        await moreAnswers(live, '30 answers before the first restart');
        for (const [i, old] of [...nodes].entries()) {
          // What a load balancer does: take the node out of rotation, then stop it gracefully
          // (SIGTERM lets the requests in flight finish), start its replacement, put it back.
          inRotation.delete(old);
          await waitFor(`the requests sent to ${old.name} to be answered`, () => (inFlight.get(old) ?? 0) === 0, { timeoutMs: 30_000, everyMs: 5 });
          await stopNode(old);
          const fresh = await startNode(`${old.name}2`, db.url, LOAD_ENV);
          nodes[i] = fresh;
          inRotation.add(fresh);
          await moreAnswers(live, `30 answers after ${fresh.name} joined`);
        }
      });
      const text = summary(stats);
      console.log(`# SEC-67g rolling restart: ${text}`);
      assert.equal(stats.transportErrors, 0, `a request failed in flight: ${text}`);
      assert.deepEqual([...stats.statuses.keys()].filter((s) => s >= 500), [], text);
      assert.deepEqual(stats.sessionLost, [], text);
      assert.ok(stats.latencies.me.length > 100, text);
    } finally {
      await Promise.all(nodes.map(stopNode));
      await db.drop();
    }
  });
});
