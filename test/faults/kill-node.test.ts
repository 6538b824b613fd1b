/**
 * SECURITY 67c/67d / issue 6: `kill -9` of a node in the middle of a burst of registrations,
 * logins and refreshes. Every request answered 2xx is durable after the restart; no account is
 * left without its credential state; no session without its account; no refresh family with
 * two live heads. On SQLite (a file, one node) always, and on PostgreSQL when configured.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/store/index.js';
import { send, startNode, stopNode, type Node } from '../multinode/cluster.js';
import { createTestDatabase } from '../support/database.js';

interface Outcome {
  registered: string[];
  loggedIn: number;
  refreshed: number;
}

async function burst(node: Node, workers: number, killAfterMs: number): Promise<Outcome> {
  const out: Outcome = { registered: [], loggedIn: 0, refreshed: 0 };
  let alive = true;
  const killer = setTimeout(() => {
    alive = false;
    node.process.kill('SIGKILL');
  }, killAfterMs);
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; alive; i++) {
        const username = `burst-${w}-${i}`;
        const password = `burst-pass-${w}-${i}-ok`;
        try {
          const reg = await send(node, 'POST', '/api/v1/account/register', { json: { username, password } });
          if (reg.status !== 200) continue;
          out.registered.push(username);
          const login = await send(node, 'POST', '/api/v1/account/login', { json: { username, password } });
          if (login.status !== 200) continue;
          out.loggedIn++;
          let refresh = login.body.result.token.refresh as string;
          for (let r = 0; r < 3 && alive; r++) {
            const next = await send(node, 'GET', '/api/v1/account/refresh', { headers: { authorization: `Bearer ${refresh}` } });
            if (next.status !== 200) break;
            refresh = next.body.result.token.refresh;
            out.refreshed++;
          }
        } catch {
          return; // connection reset by the kill
        }
      }
    }),
  );
  clearTimeout(killer);
  return out;
}

async function checkInvariants(databaseUrl: string): Promise<void> {
  const opened = await openDatabase(databaseUrl);
  try {
    const { db } = opened;
    const noCredential = await db
      .selectFrom('accounts')
      .select('id')
      .where('status', '=', 'active')
      .where('password_hash', 'is', null)
      .execute();
    assert.deepEqual(noCredential, [], 'every active account has a password hash');
    const orphans = await db
      .selectFrom('sessions')
      .leftJoin('accounts', 'accounts.id', 'sessions.account_id')
      .select('sessions.id')
      .where('accounts.id', 'is', null)
      .execute();
    assert.deepEqual(orphans, [], 'no session without its account');
    const heads = await db
      .selectFrom('sessions')
      .select(['family_id', ({ fn }) => fn.countAll().as('n')])
      .where('rotated_at', 'is', null)
      .where('revoked_at', 'is', null)
      .groupBy('family_id')
      .execute();
    assert.ok(heads.every((h) => Number(h.n) === 1), 'at most one live session per refresh family');
  } finally {
    await opened.close();
  }
}

async function scenario(databaseUrl: string): Promise<void> {
  const first = await startNode('A', databaseUrl);
  const outcome = await burst(first, 12, 1500);
  await new Promise<void>((resolve) => (first.process.exitCode !== null || first.process.signalCode !== null ? resolve() : first.process.once('exit', () => resolve())));
  assert.ok(outcome.registered.length > 5, `the burst got going (${outcome.registered.length} registrations)`);

  const second = await startNode('A2', databaseUrl);
  try {
    await checkInvariants(databaseUrl);
    for (const username of outcome.registered) {
      const [, w, i] = username.split('-');
      const login = await send(second, 'POST', '/api/v1/account/login', { json: { username, password: `burst-pass-${w}-${i}-ok` } });
      assert.equal(login.status, 200, `${username} was answered 200 before the kill and must log in after it`);
    }
  } finally {
    await stopNode(second);
  }
}

describe('kill -9 during a burst', () => {
  it('SEC-67c/67d loses nothing that was answered 2xx on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-kill-'));
    try {
      await scenario(`sqlite:${join(dir, 'kill.db')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SEC-67c/67d loses nothing that was answered 2xx on PostgreSQL', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' }, async () => {
    const database = createTestDatabase();
    try {
      await scenario(database.url);
    } finally {
      await database.drop();
    }
  });
});
