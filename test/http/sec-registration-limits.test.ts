/**
 * SEC-12: account creation is limited per client address on every path (JWT register, Basic
 * create, cookie-API create, the /signup page), with 429 + Retry-After in each surface's format.
 * SEC-54 (per-address part): reset requests and confirmation resends likewise. SEC-21: the
 * counters are atomic under concurrency and shared by every node on one database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { addressKey } from '../../src/core/credentials/address-limits.js';
import { createFakeClock } from '../support/clock.js';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { createCluster } from '../mail/nodes.js';
import { hiddenField } from '../pages/helpers.js';

const PASSWORD = 'a long and private passphrase';
const HOUR_S = 3600;
let counter = 0;
const unique = (stem: string): string => `${stem}-${++counter}`;

function jwtRegister(app: FastifyInstance, from: string, username = unique('jwt')) {
  return app.inject({ method: 'POST', url: '/api/v1/account/register', remoteAddress: from, payload: { username, password: PASSWORD } });
}
function basicCreate(app: FastifyInstance, from: string, name = unique('basic')) {
  return app.inject({ method: 'POST', url: '/api/account', remoteAddress: from, payload: { username: `${name}@example.com`, password: PASSWORD } });
}
function cookieCreate(app: FastifyInstance, from: string, email = `${unique('cookie')}@example.com`) {
  return app.inject({ method: 'POST', url: '/accounts/action/?do=create', remoteAddress: from, payload: { email } });
}
function basicReset(app: FastifyInstance, from: string, username: string) {
  return app.inject({ method: 'POST', url: '/api/account/pw/reset', remoteAddress: from, payload: { username } });
}

/** Posts a hosted form from `from`: fetches a form token first, as a browser would. */
async function postPageForm(app: FastifyInstance, from: string, url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
  const jar = new CookieJar();
  const form = await app.inject({ method: 'GET', url: '/reset', remoteAddress: from });
  jar.update(form);
  return app.inject({
    method: 'POST',
    url,
    remoteAddress: from,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...jar.headers() },
    payload: new URLSearchParams({ ...fields, csrf: hiddenField(form.body, 'csrf') }).toString(),
  });
}

async function count(t: TestInstance, table: 'accounts' | 'outbox'): Promise<number> {
  const row = await t.latchkey.database.db.selectFrom(table).select(({ fn }) => fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('registration limits per client address', () => {
  describe('JWT registration with the real argon2id hasher', () => {
    let t: TestInstance;
    before(async () => {
      t = await createTestInstance({ env: { REGISTRATION_PER_IP_HOUR: '3' } });
    });
    after(() => t.close());

    it('SEC-12 the fourth registration from one address in an hour is 429 with Retry-After; the first three log in', async () => {
      const names = ['reg-a', 'reg-b', 'reg-c'];
      for (const name of names) assert.equal((await jwtRegister(t.app, '192.0.2.1', name)).statusCode, 200);
      t.clock.advance(10 * 60_000);
      const refused = await jwtRegister(t.app, '192.0.2.1', 'reg-d');
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['retry-after'], String(HOUR_S - 600));
      assert.deepEqual(refused.json(), { ok: false, error: { code: 'throttled', message: 'too many sign-ups from this address; try again later' } });
      assert.equal(refused.headers['cache-control'], 'no-store');
      for (const name of names) {
        const login = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', remoteAddress: '192.0.2.1', payload: { username: name, password: PASSWORD } });
        assert.equal(login.statusCode, 200, name);
      }
      const loginRefused = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'reg-d', password: PASSWORD } });
      assert.equal(loginRefused.statusCode, 401, 'the refused registration created nothing');
      assert.equal((await jwtRegister(t.app, '192.0.2.2', 'reg-e')).statusCode, 200, 'another address has its own budget');
      t.clock.advance(50 * 60_000);
      assert.equal((await jwtRegister(t.app, '192.0.2.1', 'reg-d')).statusCode, 200, 'a new hour, a new budget');
    });
  });

  describe('every sign-up path', () => {
    let t: TestInstance;
    before(async () => {
      t = await createTestInstance({ hasher: 'fast', env: { REGISTRATION_PER_IP_HOUR: '2' } });
    });
    after(() => t.close());

    it('SEC-12 Basic create: 429 in the dialect\'s format, nothing created', async () => {
      const from = '198.51.100.1';
      assert.equal((await basicCreate(t.app, from)).statusCode, 201);
      assert.equal((await basicCreate(t.app, from)).statusCode, 201);
      const accounts = await count(t, 'accounts');
      const refused = await basicCreate(t.app, from, 'basic-refused');
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['retry-after'], String(HOUR_S));
      assert.deepEqual(refused.json(), { error: 'throttled', message: 'too many sign-ups from this address; try again later' });
      assert.equal(await count(t, 'accounts'), accounts);
    });

    it('SEC-12 cookie-API create: 429 in the dialect\'s format, no account and no email', async () => {
      const from = '198.51.100.2';
      assert.equal((await cookieCreate(t.app, from)).statusCode, 200);
      assert.equal((await cookieCreate(t.app, from)).statusCode, 200);
      const [accounts, mail] = [await count(t, 'accounts'), await count(t, 'outbox')];
      const refused = await cookieCreate(t.app, from, 'refused@example.com');
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['retry-after'], String(HOUR_S));
      assert.deepEqual(refused.json(), { error: { code: 'throttled', message: 'too many sign-ups from this address; try again later' } });
      assert.deepEqual([await count(t, 'accounts'), await count(t, 'outbox')], [accounts, mail]);
    });

    it('SEC-12 the /signup page: an HTML 429 page with Retry-After', async () => {
      const from = '198.51.100.3';
      for (let i = 0; i < 2; i++) {
        const ok = await postPageForm(t.app, from, '/signup', { email: `${unique('page')}@example.com` });
        assert.equal(ok.statusCode, 200);
        assert.match(ok.body, /Check your email/);
      }
      const refused = await postPageForm(t.app, from, '/signup', { email: 'page-refused@example.com' });
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['retry-after'], String(HOUR_S));
      assert.match(String(refused.headers['content-type']), /^text\/html/);
      assert.match(refused.body, /Too many attempts/);
      assert.match(String(refused.headers['content-security-policy']), /frame-ancestors 'none'/);
    });

    it('SEC-12 the paths share one budget per address, and a taken username still spends it', async () => {
      const from = '198.51.100.4';
      assert.equal((await jwtRegister(t.app, from, 'shared-budget')).statusCode, 200);
      assert.equal((await jwtRegister(t.app, from, 'shared-budget')).statusCode, 409, 'probing a taken name counts too');
      assert.equal((await basicCreate(t.app, from)).statusCode, 429);
      assert.equal((await cookieCreate(t.app, from)).statusCode, 429);
      assert.equal((await postPageForm(t.app, from, '/signup', { email: 'x@example.com' })).statusCode, 429);
      assert.equal((await jwtRegister(t.app, from)).statusCode, 429);
    });

    it('SEC-12 invalid input is answered as before and does not spend the budget', async () => {
      const from = '198.51.100.5';
      for (let i = 0; i < 5; i++) {
        const bad = await t.app.inject({ method: 'POST', url: '/api/v1/account/register', remoteAddress: from, payload: { username: 'weak', password: 'password' } });
        assert.equal(bad.statusCode, 400);
      }
      assert.equal((await jwtRegister(t.app, from)).statusCode, 200);
    });

    it('SEC-12 IPv6 clients count per /64; IPv4-mapped addresses as IPv4', async () => {
      assert.equal((await jwtRegister(t.app, '2001:db8:1:2::1')).statusCode, 200);
      assert.equal((await jwtRegister(t.app, '2001:db8:1:2:ffff::9')).statusCode, 200);
      assert.equal((await jwtRegister(t.app, '2001:db8:1:2:abcd:1:2:3')).statusCode, 429, 'the same /64');
      assert.equal((await jwtRegister(t.app, '2001:db8:1:3::1')).statusCode, 200, 'the next /64');
      assert.equal((await jwtRegister(t.app, '198.51.100.6')).statusCode, 200);
      assert.equal((await jwtRegister(t.app, '::ffff:198.51.100.6')).statusCode, 200);
      assert.equal((await jwtRegister(t.app, '198.51.100.6')).statusCode, 429);
    });
  });

  it('SEC-12 address keys: IPv4 as is, IPv6 by /64, IPv4-mapped as IPv4, no address as one shared key', () => {
    assert.equal(addressKey('192.0.2.1'), '192.0.2.1');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('2001:0db8:0000:0000:ffff:0:0:1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(addressKey('::ffff:c000:201'), '192.0.2.1');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey(null), 'unknown');
  });
});

describe('mail-request limits per client address', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { MAIL_REQUESTS_PER_IP_HOUR: '3' } });
    await t.service.registerAccount({ username: 'known@example.com', password: PASSWORD, email: 'known@example.com' });
    await t.service.signUpWithEmail({ email: 'pending@example.com' });
  });
  after(() => t.close());

  it('SEC-54 resets from one address stop at the limit with the same 429 for known and unknown names', async () => {
    const from = '203.0.113.1';
    for (const username of ['a@example.com', 'b@example.com', 'c@example.com']) assert.equal((await basicReset(t.app, from, username)).statusCode, 200);
    const mail = await count(t, 'outbox');
    const known = await basicReset(t.app, from, 'known@example.com');
    const unknown = await basicReset(t.app, from, 'nobody@example.com');
    assert.equal(known.statusCode, 429);
    assert.equal(known.headers['retry-after'], String(HOUR_S));
    assert.equal(known.body, unknown.body, 'the refusal says nothing about the account');
    assert.deepEqual(known.json(), { error: 'throttled', message: 'too many email requests from this address; try again later' });
    assert.equal(await count(t, 'outbox'), mail, 'no email');
    assert.equal((await basicReset(t.app, '203.0.113.2', 'known@example.com')).statusCode, 200, 'another address still may');
  });

  it('SEC-54 the reset and resend pages share the budget and answer an HTML 429', async () => {
    const from = '203.0.113.3';
    assert.equal((await postPageForm(t.app, from, '/reset', { identifier: 'known@example.com' })).statusCode, 200);
    assert.equal((await postPageForm(t.app, from, '/confirm/resend', { email: 'pending@example.com' })).statusCode, 200);
    assert.equal((await basicReset(t.app, from, 'someone@example.com')).statusCode, 200);
    for (const [url, fields] of [
      ['/reset', { identifier: 'known@example.com' }],
      ['/confirm/resend', { email: 'pending@example.com' }],
    ] as const) {
      const refused = await postPageForm(t.app, from, url, fields);
      assert.equal(refused.statusCode, 429, url);
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.match(refused.body, /Too many attempts/);
    }
  });

  it('SEC-54 sign-ups do not spend the mail-request budget, nor mail requests the sign-up budget', async () => {
    const from = '203.0.113.4';
    for (let i = 0; i < 3; i++) assert.equal((await basicReset(t.app, from, `n${i}@example.com`)).statusCode, 200);
    assert.equal((await jwtRegister(t.app, from)).statusCode, 200);
  });
});

describe('registration limits under concurrency and across nodes', () => {
  it('SEC-21 of 12 simultaneous registrations from one address with a limit of 5, exactly 5 get through', async () => {
    const t = await createTestInstance({ hasher: 'fast', env: { REGISTRATION_PER_IP_HOUR: '5' } });
    try {
      for (let round = 0; round < 3; round++) {
        const from = `192.0.2.${100 + round}`;
        const answers = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 ? jwtRegister(t.app, from, `race-${round}-${i}`) : cookieCreate(t.app, from, `race-${round}-${i}@example.com`))),
        );
        const statuses = answers.map((a) => a.statusCode);
        assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join(','));
        assert.equal(statuses.filter((s) => s === 429).length, 7, statuses.join(','));
      }
      assert.equal(await count(t, 'accounts'), 15);
    } finally {
      await t.close();
    }
  });

  describe('two nodes on one database', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'latchkey-limits-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('SEC-21 the limit holds across nodes: the total is the limit, not the limit per node', async () => {
      const cluster = createCluster(createFakeClock(), { sqliteFile: join(dir, 'limits.db'), env: { REGISTRATION_PER_IP_HOUR: '4' } });
      try {
        const a = await cluster.startNode();
        const b = await cluster.startNode();
        const statuses: number[] = [];
        for (let i = 0; i < 8; i++) statuses.push((await jwtRegister(i % 2 ? b.app : a.app, '192.0.2.200', `node-${i}`)).statusCode);
        assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
        const simultaneous = await Promise.all(Array.from({ length: 10 }, (_, i) => jwtRegister(i % 2 ? b.app : a.app, '192.0.2.201', `both-${i}`)));
        assert.equal(simultaneous.filter((r) => r.statusCode === 200).length, 4);
      } finally {
        await cluster.dropAll();
      }
    });
  });
});
