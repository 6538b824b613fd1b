/**
 * The refresh's fast path (docs/decisions.md, "A current refresh token rotates in one
 * statement"): a current token is rotated by one conditional UPDATE, and whatever the locked
 * rotation would not rotate must make that UPDATE change nothing, so the locked rotation gives
 * its usual answer (docs/security.md, SEC-41 to SEC-44). Each test first refreshes the chain
 * once, so its next refresh takes the statement outside a transaction (the chain's audit row of
 * this window is written already), then changes the row as another node, an operator or an
 * earlier release would, and checks what the client sees and that the chain did not move.
 * `npm run mutation-check` drops each condition of the UPDATE in turn (scripts/mutations.mjs).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call, type JsonResponse } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register, type Pair } from '../support/jwt-api.js';

const ROTATIONS_PER_MINUTE = 3;

const refreshGet = (t: TestInstance, token: string): Promise<JsonResponse> =>
  call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(token) });

describe('refresh fast path: every refusal of the locked rotation still holds', () => {
  let t: TestInstance;
  let accountId: string;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { REFRESH_ROTATIONS_PER_MINUTE: String(ROTATIONS_PER_MINUTE) } });
    await register(t.app, 'fast', 'fast-path-password');
    accountId = decodeJwt((await login(t.app, 'fast', 'fast-path-password')).access).payload.sub;
  });
  after(() => t.close());

  const db = () => t.latchkey.database.db;

  /** A fresh login refreshed once: its chain's audit row for this window is written. */
  async function warmChain(): Promise<{ sid: string; pair: Pair }> {
    const first = await login(t.app, 'fast', 'fast-path-password');
    const res = await refreshGet(t, first.refresh);
    assert.equal(res.status, 200, res.text);
    return { sid: decodeJwt(first.access).payload.sid, pair: res.body.result.token };
  }

  const generationOf = async (sid: string): Promise<number> =>
    Number((await db().selectFrom('sessions').select('generation').where('id', '=', sid).executeTakeFirstOrThrow()).generation);

  /** The token is refused with `code` and the chain stayed at the generation warmChain left it. */
  async function refusedUnmoved(sid: string, token: string, code: string): Promise<void> {
    const res = await refreshGet(t, token);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, code);
    assert.equal(await generationOf(sid), 1, 'the chain did not move');
  }

  it('a current token of a disabled account is refused and its chain does not move; enabled again, the token works', async () => {
    const { sid, pair } = await warmChain();
    await db().updateTable('accounts').set({ status: 'disabled' }).where('id', '=', accountId).execute();
    try {
      await refusedUnmoved(sid, pair.refresh, 'invalid_token');
    } finally {
      await db().updateTable('accounts').set({ status: 'active' }).where('id', '=', accountId).execute();
    }
    assert.equal((await refreshGet(t, pair.refresh)).status, 200);
  });

  const rowChanges = {
    'is revoked': (now: number) => ({ revoked_at: now }),
    'reached its idle expiry': (now: number) => ({ idle_expires_at: now }),
    'reached its absolute expiry': (now: number) => ({ absolute_expires_at: now }),
  };
  for (const [what, change] of Object.entries(rowChanges)) {
    it(`a current token whose session ${what} is refused and its chain does not move`, async () => {
      const { sid, pair } = await warmChain();
      await db().updateTable('sessions').set(change(t.clock.now())).where('id', '=', sid).execute();
      await refusedUnmoved(sid, pair.refresh, 'invalid_token');
    });
  }

  it('a current token of a row an earlier release rotated (past the grace window) is reuse: its family closes', async () => {
    const { sid, pair } = await warmChain();
    await db().updateTable('sessions').set({ rotated_at: t.clock.now() - 3_600_000 }).where('id', '=', sid).execute();
    await refusedUnmoved(sid, pair.refresh, 'token_reused');
    const row = await db().selectFrom('sessions').select('revoked_at').where('id', '=', sid).executeTakeFirstOrThrow();
    assert.notEqual(row.revoked_at, null);
  });

  it('the idle expiry never passes the absolute one', async () => {
    const { sid, pair } = await warmChain();
    const absolute = t.clock.now() + 10_000;
    await db().updateTable('sessions').set({ absolute_expires_at: absolute }).where('id', '=', sid).execute();
    assert.equal((await refreshGet(t, pair.refresh)).status, 200);
    const row = await db().selectFrom('sessions').select(['idle_expires_at', 'generation']).where('id', '=', sid).executeTakeFirstOrThrow();
    assert.equal(Number(row.generation), 2);
    assert.equal(Number(row.idle_expires_at), absolute);
  });

  it(`a chain rotates at most ${ROTATIONS_PER_MINUTE} times a minute, then again in the next minute, and from a fresh window when the clock stepped back`, async () => {
    const warmed = await warmChain();
    const { sid } = warmed;
    let { pair } = warmed;
    for (let i = 1; i < ROTATIONS_PER_MINUTE; i++) {
      const res = await refreshGet(t, pair.refresh);
      assert.equal(res.status, 200, `rotation ${i + 1}`);
      pair = res.body.result.token;
    }
    const throttled = await refreshGet(t, pair.refresh);
    assert.equal(throttled.status, 429);
    assert.equal(await generationOf(sid), ROTATIONS_PER_MINUTE);
    t.clock.advance(60_000);
    const next = await refreshGet(t, pair.refresh);
    assert.equal(next.status, 200, 'a new minute');
    pair = next.body.result.token;
    // A window that starts after now (the clock stepped back) is a fresh one, as in the locked rotation.
    await db().updateTable('sessions').set({ rotation_window_at: t.clock.now() + 30_000, rotation_count: ROTATIONS_PER_MINUTE }).where('id', '=', sid).execute();
    assert.equal((await refreshGet(t, pair.refresh)).status, 200, 'window in the future: fresh');
  });

  it('a current token is rotated without the locked read; once the audit row of its chain is written, outside any transaction', async () => {
    const { sessions, uow } = t.latchkey.stores;
    const calls: string[] = [];
    const { rotateCurrent, findWithAccountForUpdate } = sessions;
    sessions.rotateCurrent = (tx, ...rest) => {
      calls.push(tx === uow.db ? 'statement' : 'transaction');
      return rotateCurrent.call(sessions, tx, ...rest);
    };
    sessions.findWithAccountForUpdate = (...args) => {
      calls.push('locked read');
      return findWithAccountForUpdate.apply(sessions, args);
    };
    try {
      let pair = await login(t.app, 'fast', 'fast-path-password');
      for (let i = 0; i < ROTATIONS_PER_MINUTE; i++) {
        const res = await refreshGet(t, pair.refresh);
        assert.equal(res.status, 200, res.text);
        pair = res.body.result.token;
      }
    } finally {
      Object.assign(sessions, { rotateCurrent, findWithAccountForUpdate });
    }
    assert.deepEqual(calls, ['transaction', ...Array(ROTATIONS_PER_MINUTE - 1).fill('statement')]);
  });

  it('concurrent refreshes of one current token all get the same pair, and the chain moves once', async () => {
    const { sid, pair } = await warmChain();
    const results = await Promise.all(Array.from({ length: 8 }, () => refreshGet(t, pair.refresh)));
    assert.deepEqual(results.map((r) => r.status), Array(8).fill(200));
    assert.equal(new Set(results.map((r) => r.body.result.token.refresh)).size, 1);
    assert.equal(new Set(results.map((r) => r.body.result.token.access)).size, 1);
    assert.equal(await generationOf(sid), 2);
  });

  it('past the grace window the previous token is reuse and closes the family, after fast rotations', async () => {
    const { sid, pair } = await warmChain();
    const next = await refreshGet(t, pair.refresh);
    assert.equal(next.status, 200);
    t.clock.advance(11_000);
    const replay = await refreshGet(t, pair.refresh);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error.code, 'token_reused');
    assert.equal((await refreshGet(t, next.body.result.token.refresh)).status, 401, 'the current token died with its family');
    assert.equal(await generationOf(sid), 2);
  });
});
