/**
 * Sessions per account are capped (docs/security.md, "Sessions per account"): 300 logins of one
 * account from one address leave at most MAX_SESSIONS_PER_ACCOUNT live sessions; each login
 * beyond the cap ends the least recently used one (audited as `session_evicted`), so a device in
 * use keeps its session; the list and revoke queries read the partial index of live sessions,
 * whatever number of ended sessions the account has. A client at another address is still
 * answered meanwhile. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/index.js';
import { usingPostgres } from '../support/database.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const PASSWORD = 'a long and private passphrase';
const CAP = 100;
const FLOOD = '198.51.100.20';
const CONTROL = '203.0.113.20';

describe('sessions per account are capped', () => {
  let t: TestInstance;
  let accountId = '';
  let control = '';

  before(async () => {
    // The fast hasher: the hasher does not matter to how many sessions are kept.
    t = await createTestInstance({ hasher: 'fast' });
    accountId = (await t.service.registerAccount({ username: 'many-devices', password: PASSWORD })).id;
    await t.service.registerAccount({ username: 'bystander', password: PASSWORD });
    control = (await jwtLogin('bystander', CONTROL)).access;
  });
  after(() => t.close());

  async function jwtLogin(username: string, ip: string): Promise<{ access: string; refresh: string }> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username, password: PASSWORD }, remoteAddress: ip });
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body).result.token;
  }
  const me = (access: string, ip = FLOOD) => t.app.inject({ method: 'GET', url: '/api/v1/account/me', headers: { authorization: `Bearer ${access}` }, remoteAddress: ip });
  const db = () => t.latchkey.database.db;
  const liveCount = async (): Promise<number> =>
    (await db().selectFrom('sessions').select('id').where('account_id', '=', accountId).where('revoked_at', 'is', null).where('rotated_at', 'is', null).execute()).length;

  it('MAX_SESSIONS_PER_ACCOUNT defaults to 100 and is validated', () => {
    assert.equal(loadConfig({}).maxSessionsPerAccount, CAP);
    assert.equal(loadConfig({ MAX_SESSIONS_PER_ACCOUNT: '5' }).maxSessionsPerAccount, 5);
    assert.throws(() => loadConfig({ MAX_SESSIONS_PER_ACCOUNT: '0' }), /^ConfigError: MAX_SESSIONS_PER_ACCOUNT must be between 1 and 100000 \(got "0"\)$/);
  });

  it('300 logins leave the cap of live sessions; the device in use keeps its session; each eviction is audited', async () => {
    const first = await jwtLogin('many-devices', FLOOD);
    const second = await jwtLogin('many-devices', FLOOD);
    let cookieSecret = '';
    let controlMs = -1;
    for (let i = 2; i < 300; i++) {
      if (i % 50 === 0) {
        // The first device is in use: its last use moves past the touch interval (60 s).
        t.clock.advance(61_000);
        assert.equal((await me(first.access)).statusCode, 200, `the device in use is still logged in after ${i} logins`);
      }
      if (i === 150) {
        const began = performance.now();
        assert.equal((await me(control, CONTROL)).statusCode, 200);
        controlMs = performance.now() - began;
      }
      if (i % 2 === 0) {
        await jwtLogin('many-devices', FLOOD);
      } else {
        const res = await t.app.inject({ method: 'POST', url: '/accounts/action/?do=login', payload: { username: 'many-devices', password: PASSWORD }, remoteAddress: FLOOD });
        assert.equal(res.statusCode, 200, res.body);
        cookieSecret = String(res.cookies.find((c) => c.name === 'sessionid')?.value);
      }
    }
    assert.ok(controlMs >= 0 && controlMs < 5000, `control answered in ${controlMs.toFixed(0)} ms`);
    assert.equal(await liveCount(), CAP, 'the cap of live sessions');
    assert.equal((await me(first.access)).statusCode, 200, 'the device in use kept its session');
    assert.equal((await me(second.access)).statusCode, 401, 'an unused early session was ended');
    const cookieMe = await t.app.inject({ method: 'GET', url: '/accounts/action/?do=me', cookies: { sessionid: cookieSecret }, remoteAddress: FLOOD });
    assert.notEqual(cookieMe.statusCode, 401, 'the newest cookie session is live');

    const evictions = await db().selectFrom('audit_events').select(['detail', 'outcome', 'ip']).where('type', '=', 'session_evicted').where('account_id', '=', accountId).execute();
    assert.equal(evictions.length, 300 - CAP, 'one event per login beyond the cap');
    assert.ok(evictions.every((e) => e.outcome === 'success' && e.ip === FLOOD));
    const details = evictions.map((e) => JSON.parse(e.detail ?? '{}') as { sessionsEnded: number; cap: number; familyId: string });
    assert.ok(details.every((d) => d.sessionsEnded === 1 && d.cap === CAP));

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/account/sessions', headers: { authorization: `Bearer ${first.access}` }, remoteAddress: FLOOD });
    assert.equal(list.statusCode, 200, list.body);
    const listed = JSON.parse(list.body).result.sessions as Array<{ id: string; current: boolean }>;
    assert.equal(listed.length, CAP, 'the list shows every live session');
    assert.ok(!listed.some((s) => details.some((d) => d.familyId === s.id)), 'an evicted session is not listed');
  });

  it('the list and revoke queries read the partial index of live sessions, not the ended rows', async () => {
    // Pile up ended sessions for the account, as evictions and logouts leave them for an hour.
    const now = t.clock.now();
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      secret_hash: `ended-${i}`,
      account_id: accountId,
      kind: 'token' as const,
      family_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      created_at: now - 1000,
      last_seen_at: now - 1000,
      idle_expires_at: now + 86_400_000,
      absolute_expires_at: now + 86_400_000,
      rotated_at: null,
      replaced_by: null,
      revoked_at: now - 500,
      ip: FLOOD,
      user_agent: null,
      generation: 0,
      chain_hash: null,
      chain_at: null,
      rotation_window_at: null,
      rotation_count: 0,
    }));
    for (let i = 0; i < rows.length; i += 500) await db().insertInto('sessions').values(rows.slice(i, i + 500)).execute();
    const live = db()
      .selectFrom('sessions as s')
      .select(['s.id'])
      .where('s.account_id', '=', accountId)
      .where('s.revoked_at', 'is', null)
      .where('s.rotated_at', 'is', null)
      .where('s.idle_expires_at', '>', now)
      .orderBy('s.last_seen_at', 'desc')
      .limit(101)
      .compile();
    let plan: string;
    if (usingPostgres) {
      await sql`analyze sessions`.execute(db());
      const explained = await sql.raw<{ 'QUERY PLAN': string }>(`explain ${live.sql.replace(/\$(\d+)/g, (_m, n) => `'${String(live.parameters[Number(n) - 1])}'`)}`).execute(db());
      plan = explained.rows.map((r) => r['QUERY PLAN']).join('\n');
    } else {
      await sql`analyze`.execute(db());
      const params = [...live.parameters];
      const explained = await sql.raw<{ detail: string }>(`explain query plan ${live.sql.replace(/\?/g, () => `'${String(params.shift())}'`)}`).execute(db());
      plan = explained.rows.map((r) => r.detail).join('\n');
    }
    assert.match(plan, /sessions_live_of_account/, plan);

    // Ending the others still works and leaves only the caller.
    const caller = await jwtLogin('many-devices', FLOOD);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/account/sessions/revoke-others', headers: { authorization: `Bearer ${caller.access}` }, remoteAddress: FLOOD });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await liveCount(), 1);
  });

  it('logins of one account at once never leave more than the cap: under it each only adds its session, over it each ends one', async () => {
    const racer = (await t.service.registerAccount({ username: 'racer', password: PASSWORD })).id;
    const live = async (): Promise<number> =>
      (await db().selectFrom('sessions').select('id').where('account_id', '=', racer).where('revoked_at', 'is', null).where('rotated_at', 'is', null).execute()).length;
    // 130 logins in flight together (each from its own address: the in-flight limit is per address),
    // crossing the cap of 100 while they run: on PostgreSQL they meet in the database together.
    const logins = await Promise.all(
      Array.from({ length: CAP + 30 }, (_, i) =>
        t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: 'racer', password: PASSWORD }, remoteAddress: `198.51.${100 + Math.floor(i / 200)}.${(i % 200) + 1}` }),
      ),
    );
    assert.deepEqual([...new Set(logins.map((r) => r.statusCode))], [200], 'every login answered');
    assert.equal(await live(), CAP, 'exactly the cap of live sessions');
    const evictions = await db().selectFrom('audit_events').select('detail').where('type', '=', 'session_evicted').where('account_id', '=', racer).execute();
    assert.equal(evictions.length, 30, 'one eviction per login beyond the cap');
    const logged = await db().selectFrom('audit_events').select('id').where('type', '=', 'login').where('outcome', '=', 'success').where('account_id', '=', racer).execute();
    assert.equal(logged.length, CAP + 30, 'every login audited');
  });
});
