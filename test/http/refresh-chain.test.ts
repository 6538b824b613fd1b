/**
 * Refresh chains rotated in place (docs/security.md, SEC-41 to SEC-43): a refresh token names its session and carries
 * the chain's current secret. A made-up secret for a real session is refused without touching
 * the chain, and tokens issued by releases before rotation in place (a bare 43-character secret,
 * a successor row per refresh) keep working and keep their reuse detection.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashSecret } from '../../src/core/credentials/secrets.js';
import { bearer, call, type JsonResponse } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register, type Pair } from '../support/jwt-api.js';

const refreshGet = (t: TestInstance, token: string): Promise<JsonResponse> =>
  call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(token) });
const me = async (t: TestInstance, access: string): Promise<number> =>
  (await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status;

/** A token session row as releases before rotation in place wrote it; returns its bare secret. */
async function insertLegacySession(t: TestInstance, accountId: string, extra: { rotatedAt?: number; replacedBy?: string; familyId?: string; id?: string } = {}): Promise<{ id: string; secret: string }> {
  const id = extra.id ?? randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const now = t.clock.now();
  await t.latchkey.database.db
    .insertInto('sessions')
    .values({
      id,
      secret_hash: hashSecret(secret),
      account_id: accountId,
      kind: 'token',
      family_id: extra.familyId ?? id,
      created_at: now,
      last_seen_at: now,
      idle_expires_at: now + 3_600_000,
      absolute_expires_at: now + 86_400_000,
      rotated_at: extra.rotatedAt ?? null,
      replaced_by: extra.replacedBy ?? null,
      revoked_at: null,
      ip: '127.0.0.1',
      user_agent: 'old-release',
    } as never)
    .execute();
  return { id, secret };
}

describe('refresh chains rotated in place (argon2id)', () => {
  let t: TestInstance;
  let accountId: string;
  before(async () => {
    t = await createTestInstance();
    await register(t.app, 'chain', 'chain-password-1');
    accountId = decodeJwt((await login(t.app, 'chain', 'chain-password-1')).access).payload.sub;
  });
  after(() => t.close());

  it('SEC-42 a made-up secret for a real session is refused as invalid and leaves the chain alive', async () => {
    const pair = await login(t.app, 'chain', 'chain-password-1');
    const forged = Buffer.concat([Buffer.from(pair.refresh, 'base64url').subarray(0, 16), randomBytes(32)]).toString('base64url');
    const res = await refreshGet(t, forged);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'invalid_token', 'not reuse: nothing proves the token was ever issued');
    assert.equal(await me(t, pair.access), 200, 'the session is untouched');
    assert.equal((await refreshGet(t, pair.refresh)).status, 200);
  });

  it('refuses tokens of the wrong shape', async () => {
    for (const token of ['a'.repeat(63), 'a'.repeat(65), `${'a'.repeat(63)}=`, `${'a'.repeat(42)}!`]) {
      const res = await refreshGet(t, token);
      assert.equal(res.status, 401, token);
      assert.ok(['invalid_token', 'not_authenticated'].includes(res.body.error.code), res.text);
    }
  });

  it('SEC-42 a chain rotated many times still knows its old tokens: the fifth-last is reuse', async () => {
    const pairs: Pair[] = [await login(t.app, 'chain', 'chain-password-1')];
    for (let i = 0; i < 6; i++) pairs.push((await refreshGet(t, pairs.at(-1)!.refresh)).body.result.token as Pair);
    const replay = await refreshGet(t, pairs[1]!.refresh);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error.code, 'token_reused');
    assert.equal(await me(t, pairs.at(-1)!.access), 401, 'the whole chain is closed');
  });

  it('a bare token of an earlier release refreshes into the new form, and is reuse once past the grace window', async () => {
    const legacy = await insertLegacySession(t, accountId);
    const res = await refreshGet(t, legacy.secret);
    assert.equal(res.status, 200, res.text);
    const next = res.body.result.token as Pair;
    assert.match(next.refresh, /^[A-Za-z0-9_-]{64}$/);
    assert.equal(decodeJwt(next.access).payload.sid, legacy.id);
    const again = await refreshGet(t, legacy.secret);
    assert.deepEqual(again.body.result.token, next, 'inside the grace window the same pair comes back');
    t.clock.advance(11_000);
    const replay = await refreshGet(t, legacy.secret);
    assert.equal(replay.body.error.code, 'token_reused');
    assert.equal(await me(t, next.access), 401);
  });

  it('a row an earlier release rotated keeps its rules: its token is reuse and closes the successor row', async () => {
    const familyId = randomUUID();
    const successor = await insertLegacySession(t, accountId, { familyId });
    t.clock.advance(11_000);
    const rotated = await insertLegacySession(t, accountId, { id: familyId, rotatedAt: t.clock.now() - 11_000, replacedBy: successor.id });
    const replay = await refreshGet(t, rotated.secret);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error.code, 'token_reused');
    assert.equal((await refreshGet(t, successor.secret)).status, 401, 'the successor row is revoked with its family');
  });
});
