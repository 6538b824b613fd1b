/**
 * Session checks that miss the cache for the same key at the same time share one database read
 * (src/core/sessions/cached-lookup.ts), unless something was invalidated since that read
 * started: then a check reads on its own, as it would without the sharing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tx } from '../../src/core/ports.js';
import { lookupSession } from '../../src/core/sessions/cached-lookup.js';
import type { SessionLookups, SessionWithAccount } from '../../src/core/sessions/ports.js';
import { createSessionCache } from '../../src/store/session-cache/cache.js';

const found = (id: string, status = 'active'): SessionWithAccount =>
  ({ session: { id, accountId: 'a1', familyId: id, revokedAt: null }, account: { id: 'a1', status } }) as unknown as SessionWithAccount;

/** A session store whose reads wait until the test answers them; counts the reads. */
function slowStore() {
  const reads: Array<{ id: string; answer(value: SessionWithAccount | null | Error): void }> = [];
  const sessions = {
    findWithAccount: (_tx: Tx, id: string) =>
      new Promise<SessionWithAccount | null>((resolve, reject) => reads.push({ id, answer: (v) => (v instanceof Error ? reject(v) : resolve(v)) })),
    findBySecretHashWithAccount: () => Promise.reject(new Error('not used')),
  } as unknown as SessionLookups;
  return { reads, sessions };
}

const live = (f: SessionWithAccount): boolean => f.account.status === 'active';
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function node() {
  const cache = createSessionCache({ maxEntries: 100, maxAgeMs: 60_000, trustMs: 60_000 });
  cache.confirm(performance.now());
  const store = slowStore();
  const deps = { sessionCache: cache, uow: { db: {} as Tx, transaction: async () => undefined as never }, sessions: store.sessions };
  return { cache, store, check: (id: string) => lookupSession(deps, { by: 'id', value: id }, live) };
}

describe('session checks that miss the cache together', () => {
  it('ten checks of one session at once make one read; each gets the session, and the next check is served from memory', async () => {
    const { store, check } = node();
    const checks = Array.from({ length: 10 }, () => check('s1'));
    await turn();
    assert.equal(store.reads.length, 1, 'one read for ten checks');
    store.reads[0]!.answer(found('s1'));
    for (const result of await Promise.all(checks)) assert.equal(result?.session.id, 's1');
    assert.equal((await check('s1'))?.session.id, 's1');
    assert.equal(store.reads.length, 1, 'cached afterwards');
  });

  it('checks of different sessions do not share a read', async () => {
    const { store, check } = node();
    const checks = [check('s1'), check('s2')];
    await turn();
    assert.deepEqual(store.reads.map((r) => r.id), ['s1', 's2']);
    for (const r of store.reads) r.answer(found(r.id));
    assert.deepEqual((await Promise.all(checks)).map((f) => f?.session.id), ['s1', 's2']);
  });

  it('after an invalidation a check does not join a read started before it: it reads again, and only its answer counts', async () => {
    const { cache, store, check } = node();
    const early = check('s1');
    await turn();
    cache.invalidateAccount('a1'); // the account was disabled meanwhile (a notification)
    const late = check('s1');
    await turn();
    assert.equal(store.reads.length, 2, 'the late check read on its own');
    store.reads[0]!.answer(found('s1'));
    store.reads[1]!.answer(found('s1', 'disabled'));
    assert.equal((await early)?.account.status, 'active');
    assert.equal((await late)?.account.status, 'disabled');
    const again = check('s1');
    await turn();
    assert.equal(store.reads.length, 3, 'neither answer was kept: the early one overlapped the invalidation, the late one was refused');
    store.reads[2]!.answer(found('s1', 'disabled'));
    assert.equal((await again)?.account.status, 'disabled');
  });

  it('a failed read fails every check that shared it, and the next check reads again', async () => {
    const { store, check } = node();
    const checks = [check('s1'), check('s1'), check('s1')];
    await turn();
    assert.equal(store.reads.length, 1);
    store.reads[0]!.answer(new Error('database unreachable'));
    for (const c of checks) await assert.rejects(c, /database unreachable/);
    const next = check('s1');
    await turn();
    assert.equal(store.reads.length, 2);
    store.reads[1]!.answer(found('s1'));
    assert.equal((await next)?.session.id, 's1');
  });
});
