/**
 * Wrong admin and service keys have a per-address budget (docs/security.md, "Key guesses"):
 * after WRONG_KEYS_PER_MINUTE wrong keys from one address in a minute, that address gets a fast
 * 429 with Retry-After, before any key comparison or audit write, the right key included, until
 * the minute ends; another address is not affected. Every wrong key within the budget is
 * recorded (the audit log folds them, docs/security.md "Audit volume under abuse": the first is
 * a row at once, the rest one counted row at the window's end), the block is one `rate_limited`
 * row, and the refusals past the budget are recorded nowhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WRONG_KEYS_PER_MINUTE } from '../../src/core/credentials/key-guesses.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const ADMIN_KEY = 'the-admin-key-of-the-key-guess-budget-tests-0123456789';
const FLOOD = WRONG_KEYS_PER_MINUTE + 60;

describe('key guesses have a per-address budget', () => {
  let t: TestInstance;
  let serviceKey: string;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { ADMIN_API_KEY: ADMIN_KEY } });
    serviceKey = (await t.latchkey.services.addServiceKey('budgeted')).credential;
  });
  after(() => t.close());

  async function rows(type: string, ip: string): Promise<number> {
    const found = await t.latchkey.database.db.selectFrom('audit_events').select('id').where('type', '=', type).where('ip', '=', ip).execute();
    return found.length;
  }
  /** Events of `type` from `ip` once pending counts are written: each row stands for `detail.count` events, or 1. */
  async function recorded(type: string, ip: string): Promise<number> {
    await t.latchkey.audit.flush();
    const found = await t.latchkey.database.db.selectFrom('audit_events').select('detail').where('type', '=', type).where('ip', '=', ip).execute();
    return found.reduce((sum, r) => {
      const detail = r.detail === null ? {} : (JSON.parse(r.detail) as { count?: unknown });
      return sum + (typeof detail.count === 'number' ? detail.count : 1);
    }, 0);
  }

  const cases = [
    {
      name: 'admin API',
      event: 'admin_auth',
      send: (key: string | null, ip: string) =>
        t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: key === null ? {} : { authorization: `Bearer ${key}` }, remoteAddress: ip }),
      right: () => ADMIN_KEY,
      wrong: (i: number) => (i % 3 === 0 ? null : `not-the-admin-key-${i}-${'x'.repeat(40)}`),
    },
    {
      name: 'service API',
      event: 'service_lookup',
      send: (key: string | null, ip: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/introspect',
          headers: key === null ? {} : { authorization: `Bearer ${key}` },
          payload: { session: 'nothing' },
          remoteAddress: ip,
        }),
      right: () => serviceKey,
      wrong: (i: number) => (i % 3 === 0 ? null : `${serviceKey.slice(0, -4)}${String(i).padStart(4, 'A')}`),
    },
  ];

  for (const [n, c] of cases.entries()) {
    it(`${c.name}: ${WRONG_KEYS_PER_MINUTE} wrong keys a minute are answered 401, then 429 without a comparison or a row`, async () => {
      const ip = `10.7.${n}.1`;
      const statuses: number[] = [];
      for (let i = 0; i < FLOOD; i++) statuses.push((await c.send(c.wrong(i), ip)).statusCode);
      assert.deepEqual(statuses.slice(0, WRONG_KEYS_PER_MINUTE), Array(WRONG_KEYS_PER_MINUTE).fill(401));
      assert.deepEqual(statuses.slice(WRONG_KEYS_PER_MINUTE), Array(FLOOD - WRONG_KEYS_PER_MINUTE).fill(429));
      assert.equal(await rows(c.event, ip), 1, 'the first wrong key is a row at once; the rest are folded');
      assert.equal(await rows('rate_limited', ip), 1, 'one rate_limited row when the block began');
      assert.equal(await recorded(c.event, ip), WRONG_KEYS_PER_MINUTE, 'every wrong key within the budget is counted, none after');
      assert.ok((await rows(c.event, ip)) <= 2, 'in at most two rows');

      const blocked = await c.send(c.right(), ip);
      assert.equal(blocked.statusCode, 429, 'the right key waits too: nothing is compared while blocked');
      assert.ok(Number(blocked.headers['retry-after']) >= 1 && Number(blocked.headers['retry-after']) <= 60);
      assert.equal(blocked.json().error.code, 'throttled');
      assert.equal((await c.send(c.right(), `10.7.${n}.200`)).statusCode, 200, 'another address is not affected');
      assert.equal(await recorded('rate_limited', ip), 1, 'the blocked requests wrote nothing');
      assert.equal(await recorded(c.event, ip), WRONG_KEYS_PER_MINUTE);

      t.clock.advance(61_000);
      assert.equal((await c.send(c.right(), ip)).statusCode, 200, 'the next minute the address may try again');
      assert.equal((await c.send(c.wrong(1), ip)).statusCode, 401);
    });
  }
});
