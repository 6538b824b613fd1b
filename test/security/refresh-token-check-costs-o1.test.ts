/**
 * Checking a presented refresh token costs O(1) whatever the chain's length; an address over
 * its token-failure budget is refused before any lookup, hashing or transaction; a chain rotates
 * at most REFRESH_ROTATIONS_PER_MINUTE times a minute; tokens issued before the change keep
 * working once (docs/decisions.md, "Refresh tokens carry their generation"). Work is counted
 * through the core's injected probe (keyed derivations) and by counting store calls, never
 * by wall time.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { corePolicy, secondFactorDeps } from '../../src/cli/core-wiring.js';
import { loadConfig } from '../../src/config/index.js';
import { decodeRefreshToken, encodeRefreshToken, hashSecret, successorSecret } from '../../src/core/credentials/secrets.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { AuthError } from '../../src/core/errors.js';
import { nextRefreshSecret } from '../../src/core/tokens/refresh-secret.js';
import { rotateRefreshToken } from '../../src/core/tokens/token-sessions.js';
import { createJwtSigner } from '../../src/crypto/jwt-signer.js';
import { createAuditLog } from '../../src/store/audit.js';
import { createStores } from '../../src/store/index.js';
import { bearer, call } from '../support/http.js';
import { createFastHasher } from '../support/fast-hasher.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register, type Pair } from '../support/jwt-api.js';

const LONG_CHAIN = 5_000;
const FAILURE_LIMIT = 4;
const ROTATIONS_PER_MINUTE = 3;

interface Probe {
  macs: number;
  transactions: number;
  sessionCalls: number;
}

/** Core dependencies on the instance's own database, with counters on the work a refresh does. */
async function probedDeps(t: TestInstance, env: Record<string, string>): Promise<{ deps: CoreDeps; probe: Probe }> {
  const database = t.latchkey.database;
  const stores = createStores(database, t.clock);
  const probe: Probe = { macs: 0, transactions: 0, sessionCalls: 0 };
  const serverKey = await stores.keys.getOrCreateSecret(stores.uow.db, 'server-key', () => 'unused', 0);
  const signer = await createJwtSigner({ uow: stores.uow, keys: stores.keys, clock: t.clock, issuer: 'latchkey' });
  const audit = createAuditLog(database.db, { clock: t.clock, serverKey, log: { info: () => {}, warn: () => {} } });
  const sessions = new Proxy(stores.sessions, {
    get: (target, name) => {
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function'
        ? (...args: unknown[]) => {
            probe.sessionCalls++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          }
        : value;
    },
  });
  const uow = {
    ...stores.uow,
    transaction: <T>(fn: Parameters<typeof stores.uow.transaction<T>>[0]) => {
      probe.transactions++;
      return stores.uow.transaction(fn);
    },
  } as typeof stores.uow;
  const policy = corePolicy(loadConfig({ DATABASE_URL: 'sqlite::memory:', PUBLIC_URL: 'http://localhost:3000', ...env }));
  const deps: CoreDeps = { ...stores, uow, sessions, hasher: createFastHasher(), signer, clock: t.clock, policy, serverKey, audit, secondFactor: secondFactorDeps(t.latchkey.config, serverKey), onRefreshMac: () => probe.macs++ };
  return { deps, probe };
}

/** Moves the chain of `pair` forward `rotations` generations straight in the store (as that many refreshes would). */
async function lengthenChain(t: TestInstance, deps: CoreDeps, pair: Pair, rotations: number, form: 'current' | 'earlier'): Promise<string[]> {
  const decoded = decodeRefreshToken(pair.refresh);
  assert.ok(decoded && decoded.sessionId !== null);
  const sessionId = decoded.sessionId;
  const secrets = [decoded.secret];
  for (let g = 1; g <= rotations; g++) {
    const previous = secrets[g - 1] as string;
    secrets.push(form === 'current' ? nextRefreshSecret(deps, sessionId, g, previous) : successorSecret(deps.serverKey, previous));
  }
  const now = t.clock.now();
  await t.latchkey.database.db
    .updateTable('sessions')
    .set({ generation: rotations, chain_hash: hashSecret(secrets[rotations] as string), chain_at: now - 60_000 })
    .where('id', '=', sessionId)
    .execute();
  return secrets.map((s) => encodeRefreshToken(sessionId, s));
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return err instanceof AuthError ? err.code : String(err);
  }
}

const ctx = (ip: string) => ({ ip, userAgent: 'probe', surface: 'jwt' as const });
const junkFor = (token: string) => encodeRefreshToken(decodeRefreshToken(token)!.sessionId as string, randomBytes(32).toString('base64url'));

describe('refresh token check costs O(1) whatever the chain length', () => {
  let t: TestInstance;
  let deps: CoreDeps;
  let probe: Probe;
  before(async () => {
    const env = { TOKEN_FAILURES_PER_IP_MINUTE: String(FAILURE_LIMIT), REFRESH_ROTATIONS_PER_MINUTE: String(ROTATIONS_PER_MINUTE) };
    t = await createTestInstance({ hasher: 'fast', env });
    ({ deps, probe } = await probedDeps(t, env));
    await register(t.app, 'o1-chain', 'o1-chain-password');
  });
  after(() => t.close());

  /** The keyed derivations one refresh attempt costs, and its outcome. */
  async function cost(token: string, ip: string): Promise<{ macs: number; result: string }> {
    const before = probe.macs;
    const result = await outcome(rotateRefreshToken(deps, token, ctx(ip)));
    return { macs: probe.macs - before, result };
  }

  for (const form of ['current', 'earlier'] as const) {
    it(`a junk secret for a real session costs the same on a chain of ${LONG_CHAIN} as of 1 (${form} token form)`, async () => {
      const short = await login(t.app, 'o1-chain', 'o1-chain-password');
      const long = await login(t.app, 'o1-chain', 'o1-chain-password');
      await lengthenChain(t, deps, short, 1, form);
      const tokens = await lengthenChain(t, deps, long, LONG_CHAIN, form);
      const onShort = await cost(junkFor(short.refresh), `10.3.${form.length}.1`);
      const onLong = await cost(junkFor(long.refresh), `10.3.${form.length}.2`);
      assert.equal(onShort.result, 'INVALID_TOKEN');
      assert.equal(onLong.result, 'INVALID_TOKEN');
      assert.equal(onLong.macs, onShort.macs, `junk on the long chain cost ${onLong.macs} derivations, on the short one ${onShort.macs}`);
      assert.ok(onLong.macs >= 1 && onLong.macs <= 3, `${onLong.macs} derivations (the probe sees every keyed derivation)`);
      const current = await cost(tokens[LONG_CHAIN] as string, '10.3.9.9');
      assert.equal(current.result, 'ok', 'the current token of the long chain still refreshes: the junk touched nothing');
      // Its tag, then its successor (digest and tag), derived before the row is read for the
      // one-statement rotation (docs/decisions.md, "A current refresh token rotates in one statement").
      assert.ok(current.macs <= 3, `${current.macs} derivations for a working refresh`);
    });
  }

  it(`a genuine old token of a ${LONG_CHAIN}-long chain is recognised as reuse in O(1) and closes the chain`, async () => {
    const pair = await login(t.app, 'o1-chain', 'o1-chain-password');
    const tokens = await lengthenChain(t, deps, pair, LONG_CHAIN, 'current');
    const replay = await cost(tokens[10] as string, '10.3.1.1');
    assert.equal(replay.result, 'TOKEN_REUSED');
    assert.ok(replay.macs <= 3, `${replay.macs} derivations`);
    assert.equal(await outcome(rotateRefreshToken(deps, tokens[LONG_CHAIN] as string, ctx('10.3.1.1'))), 'INVALID_TOKEN', 'the chain is revoked');
  });

  it('the previous token inside the grace window yields the same pair; after it, reuse', async () => {
    const pair = await login(t.app, 'o1-chain', 'o1-chain-password');
    t.clock.advance(61_000);
    const next = await rotateRefreshToken(deps, pair.refresh, ctx('10.3.2.1'));
    const again = await rotateRefreshToken(deps, pair.refresh, ctx('10.3.2.1'));
    assert.deepEqual(again, next);
    assert.notEqual(decodeJwt(next.access).payload.jti, decodeJwt(pair.access).payload.jti, 'one jti per generation');
    t.clock.advance(11_000);
    assert.equal(await outcome(rotateRefreshToken(deps, pair.refresh, ctx('10.3.2.1'))), 'TOKEN_REUSED');
  });

  it('a secret re-tagged for another generation or session is invalid and touches nothing', async () => {
    const pair = await login(t.app, 'o1-chain', 'o1-chain-password');
    const raw = Buffer.from(pair.refresh, 'base64url');
    raw.writeUInt32BE(0, 16); // still generation 0, but flip a nonce byte: the tag no longer matches
    raw[20] = (raw[20] as number) ^ 1;
    assert.equal(await outcome(rotateRefreshToken(deps, raw.toString('base64url'), ctx('10.3.3.1'))), 'INVALID_TOKEN');
    const other = await login(t.app, 'o1-chain', 'o1-chain-password');
    const swapped = Buffer.concat([Buffer.from(other.refresh, 'base64url').subarray(0, 16), Buffer.from(pair.refresh, 'base64url').subarray(16)]);
    assert.equal(await outcome(rotateRefreshToken(deps, swapped.toString('base64url'), ctx('10.3.3.1'))), 'INVALID_TOKEN');
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(other.access) })).status, 200, 'the other session is untouched');
    assert.equal(await outcome(rotateRefreshToken(deps, pair.refresh, ctx('10.3.3.1'))), 'ok');
  });

  it('an address over its failure budget is refused before any lookup, hashing or transaction', async () => {
    const pair = await login(t.app, 'o1-chain', 'o1-chain-password');
    const ip = '10.3.4.1';
    for (let i = 0; i < FAILURE_LIMIT; i++) assert.equal((await cost(junkFor(pair.refresh), ip)).result, 'INVALID_TOKEN');
    assert.equal((await cost(junkFor(pair.refresh), ip)).result, 'THROTTLED', 'the failure past the budget is refused');
    const before = { ...probe };
    const refused = await cost(junkFor(pair.refresh), ip);
    assert.equal(refused.result, 'THROTTLED');
    assert.deepEqual({ ...probe }, before, 'no derivation, no session lookup, no transaction');
    assert.equal(await outcome(rotateRefreshToken(deps, pair.refresh, ctx('10.3.4.2'))), 'ok', 'other addresses are not affected');
  });
});

describe('refresh chain rotation rate per session', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { REFRESH_ROTATIONS_PER_MINUTE: String(ROTATIONS_PER_MINUTE) } });
    await register(t.app, 'o1-rate', 'o1-rate-password');
  });
  after(() => t.close());

  const refresh = (token: string) => call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: token } });

  it(`a chain rotates at most ${ROTATIONS_PER_MINUTE} times a minute; more is 429 with Retry-After, grace re-issues do not count`, async () => {
    let pair = await login(t.app, 'o1-rate', 'o1-rate-password');
    const previous: Pair[] = [];
    for (let i = 0; i < ROTATIONS_PER_MINUTE; i++) {
      const res = await refresh(pair.refresh);
      assert.equal(res.status, 200, res.text);
      previous.push(pair);
      pair = res.body.result.token as Pair;
    }
    const grace = await refresh(previous.at(-1)!.refresh);
    assert.equal(grace.status, 200, 'the previous token inside the grace window is not a rotation');
    assert.deepEqual(grace.body.result.token, pair);
    const refused = await refresh(pair.refresh);
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body.error.code, 'throttled');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    const limited = await t.latchkey.database.db.selectFrom('audit_events').select(['outcome']).where('type', '=', 'rate_limited').execute();
    assert.deepEqual(limited, [{ outcome: 'rejected' }], 'one rate_limited event per refusal');
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 200, 'the refused refresh leaves the session alive');
    const other = await login(t.app, 'o1-rate', 'o1-rate-password');
    assert.equal((await refresh(other.refresh)).status, 200, 'another session of the same account has its own rate');
    t.clock.advance(retryAfter * 1000);
    assert.equal((await refresh(pair.refresh)).status, 200, 'after the minute the chain rotates again');
  });
});

describe('refresh tokens issued before the change keep working once', () => {
  let t: TestInstance;
  let accountId: string;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await register(t.app, 'o1-old', 'o1-old-password');
    accountId = decodeJwt((await login(t.app, 'o1-old', 'o1-old-password')).access).payload.sub;
  });
  after(() => t.close());

  const refresh = (token: string) => call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: token } });

  /** A token session as the earlier release left it: `generation` rotations of random-secret successors. */
  async function earlierChain(generation: number): Promise<{ tokens: string[]; bare: string; id: string }> {
    const id = randomUUID();
    const stores = createStores(t.latchkey.database, t.clock);
    const serverKey = await stores.keys.getOrCreateSecret(stores.uow.db, 'server-key', () => 'unused', 0);
    const secrets = [randomBytes(32).toString('base64url')];
    for (let g = 1; g <= generation; g++) secrets.push(successorSecret(serverKey, secrets[g - 1] as string));
    const now = t.clock.now();
    await t.latchkey.database.db
      .insertInto('sessions')
      .values({
        id, secret_hash: hashSecret(secrets[0] as string), account_id: accountId, kind: 'token', family_id: id,
        created_at: now - 120_000, last_seen_at: now, idle_expires_at: now + 3_600_000, absolute_expires_at: now + 86_400_000,
        rotated_at: null, replaced_by: null, revoked_at: null, ip: '127.0.0.1', user_agent: 'earlier-release',
        generation, chain_hash: generation === 0 ? null : hashSecret(secrets[generation] as string), chain_at: generation === 0 ? null : now - 60_000,
      } as never)
      .execute();
    return { tokens: secrets.map((s) => encodeRefreshToken(id, s)), bare: secrets[0] as string, id };
  }

  it('a 64-character token of the earlier form refreshes once into the new form; used again later it is reuse', async () => {
    const chain = await earlierChain(7);
    const res = await refresh(chain.tokens[7] as string);
    assert.equal(res.status, 200, res.text);
    const next = res.body.result.token as Pair;
    assert.match(next.refresh, /^[A-Za-z0-9_-]{64}$/, 'the token keeps its length, so nodes of the earlier release still read it');
    assert.equal(decodeJwt(next.access).payload.sid, chain.id);
    t.clock.advance(11_000);
    const replay = await refresh(chain.tokens[7] as string);
    assert.equal(replay.body.error.code, 'token_reused');
    assert.equal((await refresh(next.refresh)).status, 401, 'the chain is closed');
  });

  it('the bare 43-character form refreshes once; its chain knows it afterwards', async () => {
    const chain = await earlierChain(0);
    const res = await refresh(chain.bare);
    assert.equal(res.status, 200, res.text);
    const second = await refresh((res.body.result.token as Pair).refresh);
    assert.equal(second.status, 200, second.text);
    t.clock.advance(11_000);
    assert.equal((await refresh(chain.bare)).body.error.code, 'token_reused', 'two generations later, still recognised (it is the first secret)');
  });

  it('an older token of the earlier form two or more rotations back is refused, not accepted', async () => {
    const chain = await earlierChain(5);
    const res = await refresh(chain.tokens[2] as string);
    assert.equal(res.status, 401);
    assert.equal((await refresh(chain.tokens[5] as string)).status, 200, 'the current token still works');
  });
});
