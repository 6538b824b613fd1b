/**
 * Audit volume is bounded under abuse (docs/security.md, "Audit volume under abuse"): from one
 * address, a flood of refused requests writes at most a handful of audit rows and log lines,
 * each counting what it stands for (`detail.count`), and nothing is lost: the counts add up to
 * the requests sent once the pending windows are written. Meanwhile a client at another address
 * is still answered (within a generous bound; the latency itself is the benchmark's). Runs on
 * SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { boundAuditLog } from '../../src/core/audit/aggregate.js';
import type { AuditEvent } from '../../src/core/ports.js';
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
  const FLOOD = '198.51.100.7';
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

  /** Rows written during the flood are few; after the windows are written, they count every event. */
  async function assertBounded(types: string[], countedTypes: string[], expected: number, maxRows: number): Promise<void> {
    const during = await rowsFrom(FLOOD, types);
    assert.ok(during.length <= maxRows, `${during.length} rows during the flood (${JSON.stringify(during.map((r) => r.type))})`);
    assert.ok(linesFrom(FLOOD, types).length <= maxRows, 'as many log lines');
    await t.latchkey.audit.flush();
    const all = await rowsFrom(FLOOD, types);
    assert.ok(all.length <= 2 * maxRows, `${all.length} rows in all`);
    const counted = all.filter((r) => countedTypes.includes(r.type)).reduce((sum, r) => sum + weight(r.detail), 0);
    assert.equal(counted, expected, 'the counts add up to the events');
    const lines = linesFrom(FLOOD, types);
    assert.equal(lines.length, all.length, 'one log line per row');
    const lineCount = lines.filter((l) => countedTypes.includes(l.event)).reduce((sum, l) => sum + (typeof l.detail?.count === 'number' ? l.detail.count : 1), 0);
    assert.equal(lineCount, expected, 'the log counts the same');
  }

  it('1,000 wrong admin keys write a handful of rows', async () => {
    const statuses = await flood(1000, () => ({ method: 'GET', url: '/api/v1/admin/users', headers: { authorization: `Bearer ${randomBytes(24).toString('base64url')}` } }));
    assert.equal([...statuses.keys()].every((s) => s === 401 || s === 429), true, JSON.stringify([...statuses]));
    // Every request is one admin_auth refusal, or one rate_limited refusal where a per-address budget answers 429.
    await assertBounded(['admin_auth', 'rate_limited'], ['admin_auth', 'rate_limited'], 1000, 4);
  });

  it('1,000 failed logins of one name write a handful of rows', async () => {
    const statuses = await flood(1000, (i) => ({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'victim', password: `wrong guess ${i}` } }));
    assert.ok((statuses.get(429) ?? 0) > 900, JSON.stringify([...statuses]));
    // Each attempt is one failed login or one throttled refusal; lockouts come on top.
    await assertBounded(['login', 'lockout', 'rate_limited'], ['login', 'rate_limited'], 1000, 6);
  });

  it('1,000 reset requests for unknown users write a handful of rows', async () => {
    const statuses = await flood(1000, (i) => ({ method: 'POST', url: '/api/account/pw/reset', payload: { username: `nobody-${i}@example.com` } }));
    assert.deepEqual([...statuses], [[200, 1000]]);
    await assertBounded(['reset_requested'], ['reset_requested'], 1000, 2);
  });

  it('1,000 junk refresh tokens write a handful of rows', async () => {
    const statuses = await flood(1000, () => ({ method: 'POST', url: '/api/v1/account/refresh', payload: { refresh: randomBytes(32).toString('base64url') } }));
    assert.equal([...statuses.keys()].every((s) => s === 401 || s === 429), true, JSON.stringify([...statuses]));
    await assertBounded(['refresh', 'rate_limited'], ['refresh'], 1000, 4);
  });

  it('300 CSRF-refused requests write a handful of rows', async () => {
    const statuses = await flood(300, () => ({ method: 'POST', url: '/confirm/resend', payload: 'email=x%40example.com', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } }));
    assert.deepEqual([...statuses], [[403, 300]]);
    await assertBounded(['csrf_rejected'], ['csrf_rejected'], 300, 2);
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
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'victim', password: PASSWORD }, remoteAddress: '198.51.100.8' });
    // The name was locked by the failed logins above: wait it out on the fake clock.
    let res = login;
    if (res.statusCode === 429) {
      t.clock.advance(2 * 86_400_000);
      res = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'victim', password: PASSWORD }, remoteAddress: '198.51.100.8' });
    }
    assert.equal(res.statusCode, 200, res.body);
    let refresh = JSON.parse(res.body).result.token.refresh as string;
    for (let i = 0; i < 200; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/account/refresh', payload: { refresh }, remoteAddress: '198.51.100.8' });
      assert.equal(r.statusCode, 200, r.body);
      refresh = JSON.parse(r.body).result.token.refresh as string;
      if (i === 99) t.clock.advance(61_000); // a second window
    }
    await t.latchkey.audit.flush();
    const rows = await rowsFrom('198.51.100.8', ['refresh', 'login']);
    const refreshes = rows.filter((r) => r.type === 'refresh');
    assert.ok(refreshes.length <= 4, `${refreshes.length} refresh rows`);
    assert.equal(refreshes.reduce((sum, r) => sum + weight(r.detail), 0), 200);
    assert.equal(rows.filter((r) => r.type === 'login' && r.outcome === 'success').length, 1);
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
