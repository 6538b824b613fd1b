/**
 * docs/security.md, SEC-67e: PostgreSQL is really restarted (stopped with `pg_ctl -m fast`, down
 * for about 2 s, started again) under load on two nodes. While it is down every request that
 * needs it gets a 503 JSON error: a valid access token is never told 401 and a logged-out one
 * is never answered 200; /readyz is 503 on both nodes. When the database accepts connections
 * again both nodes answer normally, without a restart (the time is printed; RECOVERY_BOUND_MS is
 * generous for a loaded machine). The nodes stay up, so a request that gets no answer is counted
 * by phase and kind, printed, and fails the test. The server is a throwaway
 * one in a temporary directory (test/support/pg-cluster.ts), never the shared test server.
 * Runs with TEST_DATABASE_URL (like the other PostgreSQL fault tests) and the PostgreSQL binaries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, startNode, stopNode, type Node } from '../multinode/cluster.js';
import { findPgBin, startPgServer, type PgServer } from '../support/pg-cluster.js';
import { sleep, waitFor } from '../support/wait.js';

const bin = findPgBin();
const skip = !process.env.TEST_DATABASE_URL
  ? 'TEST_DATABASE_URL is not set'
  : bin === null
    ? 'PostgreSQL binaries (initdb, pg_ctl) not found under /usr/lib/postgresql'
    : false;

type Phase = 'before' | 'stopping' | 'down' | 'starting' | 'back';
interface Answer {
  /** The phase the request was sent in, and the one it was answered in. */
  phase: Phase;
  answeredIn: Phase;
  node: string;
  kind: 'me' | 'revoked-me' | 'login' | 'refresh';
  status: number;
  body: any;
}

const USER = { username: 'restart-user', password: 'restart-password-1' };
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
/** Time allowed from the database's return to normal answers on both nodes. */
const RECOVERY_BOUND_MS = 20_000;

describe('a real PostgreSQL restart under load on two nodes', { skip, timeout: 180_000 }, () => {
  let server: PgServer | undefined;
  const nodes: Node[] = [];
  let access: string;
  let revoked: string;

  before(async () => {
    server = await startPgServer(bin!);
    nodes.push(await startNode('A', server.url, { DATABASE_POOL_SIZE: '4' }));
    nodes.push(await startNode('B', server.url, { DATABASE_POOL_SIZE: '4' }));
    const [a, b] = nodes as [Node, Node];
    assert.equal((await send(a, 'POST', '/api/v1/account/register', { json: USER })).status, 200);
    access = (await send(b, 'POST', '/api/v1/account/login', { json: USER })).body.result.token.access;
    revoked = (await send(a, 'POST', '/api/v1/account/login', { json: USER })).body.result.token.access;
    assert.equal((await send(b, 'DELETE', '/api/v1/account/logout', { headers: bearer(revoked) })).status, 200);
  });

  after(async () => {
    await Promise.all(nodes.map(stopNode));
    await server?.remove();
  });

  it('SEC-67e answers 503 while the database is down, never a wrong 401, and recovers without a restart', async () => {
    const answers: Answer[] = [];
    let phase: Phase = 'before';
    let running = true;
    /** Requests that got no answer: `phase kind on node: error`, counted. */
    const failures = new Map<string, number>();
    const record = async (node: Node, kind: Answer['kind'], request: Promise<{ status: number; body: any }>): Promise<Answer | null> => {
      const started = phase; // the phase the request was sent in
      const res = await request.catch((err: Error) => {
        const key = `${started} ${kind} on ${node.name}: ${err.name}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
        return null;
      });
      if (res === null) return null;
      const answer = { phase: started, answeredIn: phase, node: node.name, kind, status: res.status, body: res.body };
      answers.push(answer);
      return answer;
    };

    // The load stops when the test says so, or at the latest here (a failed assertion must not
    // leave it running against stopped nodes).
    const until = Date.now() + 150_000;
    const loading = (): boolean => running && Date.now() < until;
    // Session checks on both nodes, with a live token and a logged-out one.
    const checks = nodes.map(async (node) => {
      while (loading()) {
        await record(node, 'me', send(node, 'GET', '/api/v1/account/me', { headers: bearer(access) }));
        await record(node, 'revoked-me', send(node, 'GET', '/api/v1/account/me', { headers: bearer(revoked) }));
        await sleep(20);
      }
    });
    // A refresh chain per node (a 503 keeps the same token: it must still work afterwards), and a
    // real argon2id login now and then.
    const chains = nodes.map(async (node) => {
      let refresh: string | null = null;
      for (let i = 0; loading(); i++) {
        if (refresh === null || i % 8 === 0) {
          const login = await record(node, 'login', send(node, 'POST', '/api/v1/account/login', { json: USER }));
          if (login?.status === 200) refresh = login.body.result.token.refresh;
        } else {
          const next = await record(node, 'refresh', send(node, 'GET', '/api/v1/account/refresh', { headers: bearer(refresh) }));
          if (next?.status === 200) refresh = next.body.result.token.refresh;
        }
        await sleep(30);
      }
    });

    // Phases end on events (enough answers seen), not after a fixed time.
    await waitFor('answers on both nodes before the restart', () => nodes.every((n) => answers.filter((a) => a.node === n.name && a.kind === 'me').length >= 2));
    phase = 'stopping';
    await server!.stop();
    phase = 'down';
    await sleep(1000);
    await waitFor('ten session checks while the database is down', () => answers.filter((a) => a.phase === 'down' && a.kind === 'me').length >= 10);
    for (const node of nodes) {
      const ready = await send(node, 'GET', '/readyz');
      assert.equal(ready.status, 503, `/readyz of ${node.name} reports not ready while the database is down`);
      const login = await send(node, 'POST', '/api/v1/account/login', { json: USER });
      assert.equal(login.status, 503, `a login on ${node.name} while the database is down`);
      assert.equal(login.body.error.code, 'unavailable');
      assert.ok(Number(login.headers.get('retry-after')) >= 1, 'the 503 says when to retry');
    }

    phase = 'starting';
    await server!.start();
    phase = 'back';
    const back = Date.now();
    const recoveredAfter = await Promise.all(
      nodes.map(async (node) => {
        while (Date.now() - back < RECOVERY_BOUND_MS + 1000) {
          const me = await send(node, 'GET', '/api/v1/account/me', { headers: bearer(access) });
          const ready = await send(node, 'GET', '/readyz');
          if (me.status === 200 && ready.status === 200) return Date.now() - back;
          await sleep(50);
        }
        return Infinity;
      }),
    );
    // Let each chain refresh on the recovered database (an event, with a deadline).
    try {
      await waitFor('a refresh answered 200 on each node after the restart', () =>
        nodes.every((n) => answers.some((a) => a.node === n.name && a.phase === 'back' && a.kind === 'refresh' && a.status === 200)),
      );
    } finally {
      running = false;
      await Promise.all([...checks, ...chains]);
    }

    console.log(
      `# restart: ${nodes.map((n, i) => `node ${n.name} recovered ${recoveredAfter[i]} ms after the database returned`).join(', ')}; ` +
        `${answers.length} answers (${answers.filter((a) => a.phase === 'down').length} while down); ` +
        `requests without an answer: ${[...failures].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none'}`,
    );
    recoveredAfter.forEach((ms, i) => assert.ok(ms <= RECOVERY_BOUND_MS, `node ${nodes[i]!.name} recovered after ${ms} ms (bound ${RECOVERY_BOUND_MS} ms)`));
    assert.deepEqual([...failures.keys()], [], 'both nodes answer every request, while the database is down too (503), never drop one');
    for (const a of answers) {
      const where = `${a.kind} on ${a.node} sent in phase ${a.phase}`;
      if (a.status === 503) {
        assert.equal(a.body?.error?.code, 'unavailable', where);
        continue;
      }
      if (a.kind === 'revoked-me') assert.equal(a.status, 401, `a logged-out token: ${where}`);
      else assert.equal(a.status, 200, `a valid credential is never refused: ${where} answered ${a.status}`);
    }
    const down = answers.filter((a) => a.phase === 'down');
    assert.ok(down.filter((a) => a.kind === 'me').length >= 10, 'the load kept running while the database was down');
    assert.ok(down.every((a) => a.status === 503), 'nothing is answered from memory while the database is down');
    assert.ok(answers.filter((a) => a.answeredIn === 'before').every((a) => a.status !== 503), 'all was well before the restart');
    for (const node of nodes) {
      const late = answers.filter((a) => a.node === node.name && a.phase === 'back' && a.kind === 'refresh');
      assert.ok(late.some((a) => a.status === 200), `the refresh chain on ${node.name} carries on after the restart`);
    }
    const afterwards = await send(nodes[0]!, 'POST', '/api/v1/account/login', { json: USER });
    assert.equal(afterwards.status, 200, 'a fresh login works after the restart');
  });
});
