/**
 * A check slides its session's idle expiry at most once per touch interval
 * (src/core/sessions/lifecycle.ts, touchSession). Checks of one session that find it due at the
 * same time (a client's parallel requests after a pause) share one last-seen write instead of each
 * writing the row; each still answers only after that write is stored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tx } from '../../src/core/ports.js';
import { touchSession } from '../../src/core/sessions/lifecycle.js';
import type { Session, SessionLookups } from '../../src/core/sessions/ports.js';

const MINUTE = 60_000;
const NOW = 1_800_000_000_000;

const session = (id: string, lastSeenAt = NOW - 2 * MINUTE): Session =>
  ({ id, kind: 'cookie', lastSeenAt, absoluteExpiresAt: NOW + 14 * 86_400_000 }) as unknown as Session;

/** A session store whose last-seen writes wait until the test answers them. */
function slowStore() {
  const writes: Array<{ id: string; at: number; idle: number; answer(fail?: Error): void }> = [];
  const sessions = {
    touch: (_tx: Tx, id: string, at: number, idle: number) =>
      new Promise<void>((resolve, reject) => writes.push({ id, at, idle, answer: (fail) => (fail ? reject(fail) : resolve()) })),
  } as unknown as SessionLookups;
  const deps = { uow: { db: {} as Tx, transaction: async () => undefined as never }, policy: { touchInterval: 60, sessionIdleTtl: 86_400 } as never, sessions };
  return { writes, touch: (s: Session) => touchSession(deps, s, NOW) };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("a session's last-seen write", () => {
  it('ten checks of one session due for a touch make one write, and none answers before it is stored', async () => {
    const { writes, touch } = slowStore();
    let answered = 0;
    const checks = Array.from({ length: 10 }, () => touch(session('s1')).then(() => void (answered += 1)));
    await turn();
    assert.equal(writes.length, 1, 'one write for ten checks');
    assert.deepEqual({ id: writes[0]!.id, at: writes[0]!.at, idle: writes[0]!.idle }, { id: 's1', at: NOW, idle: NOW + 86_400_000 });
    assert.equal(answered, 0, 'no check answered before the write was stored');
    writes[0]!.answer();
    await Promise.all(checks);
    assert.equal(answered, 10);
  });

  it('checks of different sessions each write their own; a session touched within the interval is not written', async () => {
    const { writes, touch } = slowStore();
    const checks = [touch(session('s1')), touch(session('s2')), touch(session('s3', NOW - 10_000))];
    await turn();
    assert.deepEqual(writes.map((w) => w.id), ['s1', 's2']);
    for (const w of writes) w.answer();
    await Promise.all(checks);
  });

  it('a failed write fails every check that shared it, and the next check writes again', async () => {
    const { writes, touch } = slowStore();
    const checks = [touch(session('s1')), touch(session('s1'))];
    await turn();
    writes[0]!.answer(new Error('database unreachable'));
    for (const c of checks) await assert.rejects(c, /database unreachable/);
    const next = touch(session('s1'));
    await turn();
    assert.equal(writes.length, 2, 'written again after the failure');
    writes[1]!.answer();
    await next;
  });

});
