/**
 * Audit volume is bounded under abuse (docs/security.md, "Audit volume under abuse"): from one
 * address, a flood of refused requests writes at most a handful of audit rows and log lines,
 * each counting what it stands for (`detail.count`), and nothing is lost: once the pending
 * windows are written, the counts add up to the events recorded. Where a per-address budget
 * (docs/security.md, "Key guesses", token failures) answers 429 before any work, that request is
 * recorded as one `rate_limited` event (or, for the key budget, not at all: the block's own
 * `rate_limited` row stands for it), so each test counts per answer: the first event is written
 * at once, the folded count says how many more were recorded, and the refusal is there.
 * Meanwhile a client at another address is still answered (within a generous bound; the latency
 * itself is the benchmark's). Each flood comes from its own address, so no row of an earlier
 * test is counted in a later one. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { boundAuditLog } from '../../src/core/audit/aggregate.js';
import { WRONG_KEYS_PER_MINUTE } from '../../src/core/credentials/key-guesses.js';
import { CSRF_REFUSALS_PER_ADDRESS_MINUTE } from '../../src/http/csrf.js';
import type { AuditEvent } from '../../src/core/audit/ports.js';
import { createFakeClock } from '../support/clock.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const ADMIN_KEY = 'audit-volume-admin-key_0123456789-abcdefghij';
const PASSWORD = 'a long and private passphrase';
const CONTROL_BOUND_MS = 5000;
const BATCH = 20;

interface Row {
  type: string;
  outcome: string;
  ip: string | null;
  detail: string | null;
}

/** How many events a row stands for: its `detail.count`, or 1. */
const weight = (detail: string | null): number => {
  const parsed = detail === null ? {} : (JSON.parse(detail) as { count?: number });
  return typeof parsed.count === 'number' ? parsed.count : 1;
};

describe('audit volume from one address is bounded, and nothing is lost', () => {
  let t: TestInstance;
  let access = '';
  // Each test floods from its own address (rows are counted by address).
  let FLOOD = '';
  let floods = 0;
  beforeEach(() => {
    FLOOD = `198.51.100.${20 + floods++}`;
  });
  const CONTROL = '203.0.113.9';

  before(async () => {
    // The fast hasher: what is measured is rows, not hashing.
    t = await createTestInstance({ hasher: 'fast', env: { ADMIN_API_KEY: ADMIN_KEY } });
    await t.service.registerAccount({ username: 'control-user', password: PASSWORD });
    await t.service.registerAccount({ username: 'victim', password: PASSWORD });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'control-user', password: PASSWORD }, remoteAddress: CONTROL });
    assert.equal(res.statusCode, 200, res.body);
    access = JSON.parse(res.body).result.token.access as string;
  });
  after(() => t.close());

  const rowsFrom = async (ip: string, types: string[]): Promise<Row[]> =>
    (await t.latchkey.database.db.selectFrom('audit_events').select(['type', 'outcome', 'ip', 'detail']).where('ip', '=', ip).where('type', 'in', types).execute()) as Row[];
  const linesFrom = (ip: string, types: string[]) =>
    t.logs.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.type === 'audit' && l.ip === ip && types.includes(l.event));

  /**
   * Sends `count` requests from the flood address, BATCH at a time, with one control request
   * from another address halfway; returns the statuses and the control's time.
   */
  async function flood(count: number, request: (i: number) => InjectOptions) {
    const statuses = new Map<number, number>();
    let controlMs = -1;
    for (let start = 0; start < count; start += BATCH) {
      const batch: Array<Promise<unknown>> = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) =>
        t.app.inject({ ...request(start + k), remoteAddress: FLOOD }).then((r) => statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1)),
      );
      if (start === Math.floor(count / 2 / BATCH) * BATCH) {
        const began = performance.now();
        const control = t.app
          .inject({ method: 'GET', url: '/api/v1/account/me', headers: { authorization: `Bearer ${access}` }, remoteAddress: CONTROL })
          .then((r) => {
            assert.equal(r.statusCode, 200, 'the control client is answered');
            controlMs = performance.now() - began;
          });
        batch.push(control);
      }
      await Promise.all(batch);
    }
    assert.ok(controlMs >= 0 && controlMs < CONTROL_BOUND_MS, `control answered in ${controlMs.toFixed(0)} ms`);
    return statuses;
  }

  /**
   * Rows written during the flood are few, and each type's first event is among them; after the
   * windows are written, returns how many events each type's rows stand for (the log lines count
   * the same).
   */
  async function assertBounded(types: string[], maxRows: number): Promise<Record<string, number>> {
    const during = await rowsFrom(FLOOD, types);
    assert.ok(during.length <= maxRows, `${during.length} rows during the flood (${JSON.stringify(during.map((r) => r.type))})`);
    assert.ok(linesFrom(FLOOD, types).length <= maxRows, 'as many log lines');
    await t.latchkey.audit.flush();
    const all = await rowsFrom(FLOOD, types);
    assert.ok(all.length <= 2 * maxRows, `${all.length} rows in all`);
    const counted: Record<string, number> = {};
    for (const r of all) counted[r.type] = (counted[r.type] ?? 0) + weight(r.detail);
    for (const type of Object.keys(counted)) {
      assert.ok(during.some((r) => r.type === type && weight(r.detail) === 1 && !JSON.parse(r.detail ?? '{}').keyedBy), `the first ${type} event was written at once`);
    }
    const lines = linesFrom(FLOOD, types);
    assert.equal(lines.length, all.length, 'one log line per row');
    const lineCounts: Record<string, number> = {};
    for (const l of lines) lineCounts[l.event] = (lineCounts[l.event] ?? 0) + (typeof l.detail?.count === 'number' ? l.detail.count : 1);
    assert.deepEqual(lineCounts, counted, 'the log counts the same');
    return counted;
  }

  it('1,000 wrong admin keys write a handful of rows', async () => {
    const statuses = await flood(1000, () => ({ method: 'GET', url: '/api/v1/admin/users', headers: { authorization: `Bearer ${randomBytes(24).toString('base64url')}` } }));
    // The key budget: WRONG_KEYS_PER_MINUTE wrong keys are compared and recorded, then the
    // address is blocked (one rate_limited event) and the rest are answered 429 before any work.
    assert.deepEqual([...statuses].sort(), [[401, WRONG_KEYS_PER_MINUTE], [429, 1000 - WRONG_KEYS_PER_MINUTE]]);
    const counted = await assertBounded(['admin_auth', 'rate_limited'], 4);
    assert.deepEqual(counted, { admin_auth: WRONG_KEYS_PER_MINUTE, rate_limited: 1 }, 'every wrong key compared is counted, and the block');
  });

  it('1,000 failed logins of one name write a handful of rows', async () => {
    const statuses = await flood(1000, (i) => ({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'victim', password: `wrong guess ${i}` } }));
    assert.ok((statuses.get(429) ?? 0) > 900, JSON.stringify([...statuses]));
    // Each attempt is one failed login or one throttled refusal; lockouts come on top.
    const counted = await assertBounded(['login', 'lockout', 'rate_limited'], 6);
    assert.equal((counted.login ?? 0) + (counted.rate_limited ?? 0), 1000, 'the counts add up to the attempts');
    assert.equal(counted.rate_limited, statuses.get(429), 'one rate_limited event per 429');
    assert.ok((counted.lockout ?? 0) >= 1, 'the lockout is recorded');
  });

  it('1,000 reset requests for unknown users write a handful of rows', async () => {
    const statuses = await flood(1000, (i) => ({ method: 'POST', url: '/api/account/pw/reset', payload: { username: `nobody-${i}@example.com` } }));
    assert.deepEqual([...statuses], [[200, 1000]]);
    assert.deepEqual(await assertBounded(['reset_requested'], 2), { reset_requested: 1000 });
  });

  it('1,000 junk refresh tokens write a handful of rows', async () => {
    const statuses = await flood(1000, () => ({ method: 'POST', url: '/api/v1/account/refresh', payload: { refresh: randomBytes(32).toString('base64url') } }));
    assert.equal([...statuses.keys()].every((s) => s === 401 || s === 429), true, JSON.stringify([...statuses]));
    // Past the address's token-failure budget a request is answered 429, recorded as rate_limited;
    // once the budget is known spent, before any lookup. A request of a batch already under way
    // when the budget ran out did the lookup: its failure is recorded too, before its 429.
    const counted = await assertBounded(['refresh', 'rate_limited'], 4);
    const unauthorized = statuses.get(401) ?? 0;
    assert.ok(unauthorized > 0 && (statuses.get(429) ?? 0) > 900, JSON.stringify([...statuses]));
    assert.equal(counted.rate_limited, statuses.get(429), 'one rate_limited event per 429');
    assert.ok((counted.refresh ?? 0) >= unauthorized && (counted.refresh ?? 0) <= unauthorized + BATCH, `${counted.refresh} refresh failures for ${unauthorized} 401s`);
  });

  it('300 CSRF-refused requests write a handful of rows', async () => {
    const statuses = await flood(300, () => ({ method: 'POST', url: '/confirm/resend', payload: 'email=x%40example.com', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } }));
    // The address's CSRF refusal budget (src/http/csrf.ts): past it, a 429 before any work,
    // recorded as rate_limited. A request of a batch already under way when the budget ran out
    // was refused by its CSRF check: at most a batch more 403s than the budget.
    const refused = statuses.get(403) ?? 0;
    assert.ok(refused >= CSRF_REFUSALS_PER_ADDRESS_MINUTE && refused < CSRF_REFUSALS_PER_ADDRESS_MINUTE + BATCH, JSON.stringify([...statuses]));
    assert.equal(refused + (statuses.get(429) ?? 0), 300, JSON.stringify([...statuses]));
    assert.deepEqual(await assertBounded(['csrf_rejected', 'rate_limited'], 4), { csrf_rejected: refused, rate_limited: 300 - refused });
  });

  it('200 Basic requests of one account write one row per window with its count (they change nothing)', async () => {
    const basic = `Basic ${Buffer.from(`control-user:${PASSWORD}`).toString('base64')}`;
    for (let i = 0; i < 200; i++) {
      const r = await t.app.inject({ method: 'GET', url: '/api/', headers: { authorization: basic }, remoteAddress: '198.51.100.9' });
      assert.equal(r.statusCode, 200, r.body);
    }
    await t.latchkey.audit.flush();
    const rows = await rowsFrom('198.51.100.9', ['login']);
    assert.ok(rows.length <= 2, `${rows.length} rows`);
    assert.ok(rows.every((r) => r.outcome === 'success'));
    assert.equal(rows.reduce((sum, r) => sum + weight(r.detail), 0), 200);
  });

  it('a chain refreshed 200 times writes one row per window with its count; every login keeps its row', async () => {
    // Its own instance, with the per-session rotation limit (REFRESH_ROTATIONS_PER_MINUTE, 10 by
    // default) raised: what is measured is the rows of a busy chain, not that limit (covered by
    // test/security/refresh-token-check-costs-o1.test.ts).
    const c = await createTestInstance({ hasher: 'fast', env: { REFRESH_ROTATIONS_PER_MINUTE: '1000' } });
    try {
      await c.service.registerAccount({ username: 'chain-user', password: PASSWORD });
      const chainRows = async (types: string[]): Promise<Row[]> =>
        (await c.latchkey.database.db.selectFrom('audit_events').select(['type', 'outcome', 'ip', 'detail']).where('ip', '=', '198.51.100.8').where('type', 'in', types).execute()) as Row[];
      const res = await c.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'chain-user', password: PASSWORD }, remoteAddress: '198.51.100.8' });
      assert.equal(res.statusCode, 200, res.body);
      let refresh = JSON.parse(res.body).result.token.refresh as string;
      for (let i = 0; i < 200; i++) {
        const r = await c.app.inject({ method: 'POST', url: '/api/v1/account/refresh', payload: { refresh }, remoteAddress: '198.51.100.8' });
        assert.equal(r.statusCode, 200, r.body);
        refresh = JSON.parse(r.body).result.token.refresh as string;
        if (i === 99) c.clock.advance(61_000); // a second window
      }
      await c.latchkey.audit.flush();
      const rows = await chainRows(['refresh', 'login']);
      const refreshes = rows.filter((r) => r.type === 'refresh');
      assert.ok(refreshes.length <= 4, `${refreshes.length} refresh rows`);
      assert.equal(refreshes.reduce((sum, r) => sum + weight(r.detail), 0), 200);
      assert.equal(rows.filter((r) => r.type === 'login' && r.outcome === 'success').length, 1);
    } finally {
      await c.close();
    }
  });
});

describe('pending counts are written on a clean stop', () => {
  it('closing the node writes the counted row and its log line', async () => {
    const t = await createTestInstance({ hasher: 'fast', env: { ADMIN_API_KEY: ADMIN_KEY } });
    let closed = false;
    try {
      for (let i = 0; i < 5; i++) {
        const res = await t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: { authorization: 'Bearer wrong-key' }, remoteAddress: '192.0.2.70' });
        assert.equal(res.statusCode === 401 || res.statusCode === 429, true);
      }
      const lines = () => t.logs.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.type === 'audit' && l.ip === '192.0.2.70');
      assert.equal(lines().length, 1, 'only the first event so far');
      await t.close();
      closed = true;
      assert.equal(lines().length, 2, 'the counted line was written on close');
      assert.equal(lines().reduce((sum, l) => sum + (typeof l.detail?.count === 'number' ? l.detail.count : 1), 0), 5);
    } finally {
      if (!closed) await t.close();
    }
  });
});

describe('the aggregator: windows, keys and its memory bound', () => {
  function harness(maxKeys = 10_000) {
    const clock = createFakeClock(1_000_000);
    const written: AuditEvent[] = [];
    const inner = { record: async (_tx: unknown, e: AuditEvent) => void written.push(e), note: async (e: AuditEvent) => void written.push(e) };
    const log = boundAuditLog(inner, { clock, serverKey: 'k', windowMs: 60_000, maxKeys });
    return { clock, written, log };
  }
  const refusal = (ip: string, identifier?: string): AuditEvent => ({ type: 'login', outcome: 'failure', identifier: identifier ?? null, ctx: { ip, userAgent: null } });
  const count = (events: AuditEvent[]) => events.reduce((sum, e) => sum + (typeof e.detail?.count === 'number' ? e.detail.count : 1), 0);

  it('writes the first event at once, then one counted row per window while the key stays busy, and forgets a quiet key', async () => {
    const { clock, written, log } = harness();
    for (let w = 0; w < 5; w++) {
      for (let i = 0; i < 100; i++) await log.note(refusal('192.0.2.1'));
      clock.advance(60_000);
      await log.sweep();
    }
    assert.equal(written.length, 6, 'the first event, then one row per window');
    assert.equal(count(written), 500);
    assert.equal(written[0]!.identifierHash ?? null, null);
    clock.advance(60_000);
    await log.sweep();
    assert.equal(log.size(), 0, 'a quiet key is forgotten');
    await log.note(refusal('192.0.2.1'));
    assert.equal(written.length, 7, 'and its next event is written at once');
  });

  it('keys by address and by identifier: many names from one address, or one name from many addresses, stay bounded', async () => {
    const { written, log } = harness();
    for (let i = 0; i < 200; i++) await log.note(refusal('192.0.2.1', `name-${i}`));
    for (let i = 0; i < 200; i++) await log.note(refusal(`198.51.100.${i}`, 'target'));
    assert.equal(written.length, 2, 'one row each for the first event of each flood');
    assert.equal(written.every((e) => e.identifier === undefined), true, 'only the keyed hash travels on');
    await log.flush();
    assert.equal(written.length, 4);
    assert.equal(count(written), 400);
    const [byAddress, byName] = written.slice(2);
    assert.equal(byAddress!.detail?.keyedBy, 'address');
    assert.equal(byAddress!.identifierHash, null, 'many names: no single hash');
    assert.equal(byName!.detail?.keyedBy, 'identifier');
    assert.equal(typeof byName!.identifierHash, 'string');
    assert.equal(byName!.ctx?.ip, null, 'many addresses: no single address');
  });

  it('counts an IPv6 client by its /64, like the other per-address limits', async () => {
    const { written, log } = harness();
    for (let i = 1; i <= 50; i++) await log.note(refusal(`2001:db8:0:1::${i.toString(16)}`));
    assert.equal(written.length, 1);
    await log.flush();
    assert.equal(written.length, 2);
    assert.equal(written[1]!.detail?.count, 49);
  });

  it('holds at most maxKeys keys; beyond, events fold into one overflow key per kind', async () => {
    const { written, log } = harness(50);
    for (let i = 0; i < 1000; i++) await log.note(refusal(`10.0.${i >> 8}.${i & 255}`));
    assert.ok(log.size() <= 51, `${log.size()} keys`);
    await log.flush();
    assert.equal(count(written), 1000, 'nothing lost');
    assert.equal(written.filter((e) => e.detail?.keyedBy === 'overflow').length, 1);
    assert.ok(written.length <= 52);
  });

  it('passes every success that changes state through, and a refresh reuse (it ends a family)', async () => {
    const { written, log } = harness();
    for (let i = 0; i < 5; i++) await log.note({ type: 'login', outcome: 'success', accountId: 'a', ctx: { ip: '192.0.2.1', userAgent: null }, detail: { sessionId: `s${i}` } });
    for (let i = 0; i < 3; i++) await log.note({ type: 'refresh_reuse', outcome: 'rejected', accountId: 'a', ctx: { ip: '192.0.2.1', userAgent: null } });
    assert.equal(written.length, 8);
  });
});
