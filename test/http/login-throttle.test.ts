/**
 * SEC-18/19/22: login throttling per identifier (growing delay, never permanent, reset by a
 * success, not extended by attempts while blocked) and per client address, one budget for the
 * JWT, cookie and Basic logins.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createTestInstance, type TestInstance } from '../support/instance.js';

describe('login throttling', () => {
  let t: TestInstance;
  let address = 10;
  let ip = '127.0.0.10';
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    for (const username of ['alice', 'bob', 'carol', 'dave']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/account/register', payload: { username, password: `${username} has a long password` } });
      assert.equal(res.statusCode, 200);
    }
  });
  beforeEach(() => {
    ip = `127.0.0.${address++}`; // a fresh client address for each test
  });
  after(() => t.close());

  const jwt = (username: string, password: string, from = ip) =>
    t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username, password }, remoteAddress: from });
  const cookie = (username: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/accounts/action/?do=login', payload: { username, password }, remoteAddress: ip });
  const basic = (username: string, password: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/',
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
      remoteAddress: ip,
    });

  it('SEC-18 five failures are free, then the delay grows: 1 s, 2 s, 4 s; the right password waits too', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await jwt('alice', 'wrong guess')).statusCode, 401);
    assert.equal((await jwt('alice', 'wrong guess')).statusCode, 401, 'the sixth failure is answered, then blocks');
    const blocked = await jwt('alice', 'alice has a long password');
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.headers['retry-after'], '1');
    t.clock.advance(1100);
    assert.equal((await jwt('alice', 'wrong again')).statusCode, 401);
    assert.equal((await jwt('alice', 'wrong again')).headers['retry-after'], '2');
    t.clock.advance(2100);
    assert.equal((await jwt('alice', 'wrong again')).statusCode, 401);
    assert.equal((await jwt('alice', 'wrong again')).headers['retry-after'], '4');
  });

  it('SEC-18 attempts while blocked do not extend the block, and a success resets the count', async () => {
    for (let i = 0; i < 6; i++) await jwt('bob', 'wrong guess');
    for (let i = 0; i < 10; i++) assert.equal((await jwt('bob', 'bob has a long password')).statusCode, 429);
    t.clock.advance(1100);
    assert.equal((await jwt('bob', 'bob has a long password')).statusCode, 200);
    for (let i = 0; i < 5; i++) assert.equal((await jwt('bob', 'wrong guess')).statusCode, 401, 'five free failures again');
    assert.equal((await jwt('bob', 'bob has a long password')).statusCode, 200);
  });

  it('SEC-18 the delay is capped at 15 minutes and the lock is never permanent', async () => {
    for (let i = 0; i < 30; i++) {
      await jwt('carol', 'wrong guess');
      t.clock.advance(16 * 60_000);
    }
    await jwt('carol', 'wrong guess');
    const res = await jwt('carol', 'carol has a long password');
    assert.equal(res.statusCode, 429);
    assert.ok(Number(res.headers['retry-after']) <= 900);
    t.clock.advance(15 * 60_000 + 1000);
    assert.equal((await jwt('carol', 'carol has a long password')).statusCode, 200);
  });

  it('SEC-15/17 case variants share one counter, and an unknown name is throttled exactly like a real one', async () => {
    const real: number[] = [];
    const unknown: number[] = [];
    for (const name of ['DAVE', 'dave', 'Dave', 'dAvE', 'dave', 'DAVE', 'dave']) real.push((await jwt(name, 'wrong guess')).statusCode);
    for (const name of ['NOBODY', 'nobody', 'Nobody', 'noBody', 'nobody', 'NOBODY', 'nobody']) unknown.push((await jwt(name, 'wrong guess')).statusCode);
    assert.deepEqual(real, [401, 401, 401, 401, 401, 401, 429]);
    assert.deepEqual(unknown, real);
    t.clock.advance(2000);
  });

  it('SEC-22 failures spread over the JWT, cookie and Basic logins add up to one budget', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/account/register', payload: { username: 'erin@example.com', password: 'erin has a long password' } });
    assert.equal((await jwt('erin@example.com', 'x1-wrong-guess')).statusCode, 401);
    assert.equal((await cookie('erin@example.com', 'x2-wrong-guess')).statusCode, 401);
    assert.equal((await basic('erin@example.com', 'x3-wrong-guess')).statusCode, 401);
    assert.equal((await jwt('erin@example.com', 'x4-wrong-guess')).statusCode, 401);
    assert.equal((await cookie('erin@example.com', 'x5-wrong-guess')).statusCode, 401);
    assert.equal((await basic('erin@example.com', 'x6-wrong-guess')).statusCode, 401);
    for (const attempt of [jwt, cookie, basic]) {
      const res = await attempt('erin@example.com', 'erin has a long password');
      assert.equal(res.statusCode, 429, attempt.name);
      assert.ok(Number(res.headers['retry-after']) >= 1);
    }
  });

  it('SEC-19 one address spraying many names is stopped after 20 failures a minute; others are not', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await jwt(`spray-${i}`, 'Summer2026!')).statusCode);
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401));
    assert.deepEqual(statuses.slice(21), Array(4).fill(429));
    assert.equal((await jwt('alice', 'alice has a long password', '127.0.0.250')).statusCode, 200, 'another address is not affected');
    t.clock.advance(61_000);
    assert.equal((await jwt('spray-99', 'Summer2026!')).statusCode, 401, 'the address may try again next minute');
  });

  it('SEC-18 a password reset still works while the account is blocked', async () => {
    for (let i = 0; i < 7; i++) await jwt('dave', 'wrong guess');
    assert.equal((await jwt('dave', 'dave has a long password')).statusCode, 429);
    const before = await t.latchkey.database.db.selectFrom('outbox').select('id').execute();
    await t.app.inject({ method: 'POST', url: '/api/v1/account/register', payload: { username: 'frank@example.com', password: 'frank has a long password', email: 'frank@example.com' } });
    for (let i = 0; i < 7; i++) await jwt('frank@example.com', 'wrong guess');
    const reset = await t.app.inject({ method: 'POST', url: '/api/account/pw/reset', payload: { username: 'frank@example.com' }, remoteAddress: ip });
    assert.equal(reset.statusCode, 200);
    const afterRows = await t.latchkey.database.db.selectFrom('outbox').select(['id', 'template', 'recipient']).execute();
    assert.equal(afterRows.length, before.length + 1);
    assert.ok(afterRows.some((r) => r.template === 'reset_password' && r.recipient === 'frank@example.com'));
  });
});
