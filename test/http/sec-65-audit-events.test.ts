/**
 * SEC-65: every security event of docs/security.md#sec-65 is recorded once, as a row of audit_events
 * and as one structured log line, with a UTC time, the type and outcome, the account (or a keyed
 * hash of the identifier typed), the client address, user agent, the request id the client saw
 * in X-Request-Id, and the surface. Each flow runs over HTTP the way a client lives it, with the
 * real argon2id hasher and a real SMTP sink for the emailed links; `latchkey audit` then shows
 * the events. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAuditArgs } from '../../src/cli/commands/audit.js';
import { UsageError } from '../../src/cli/command.js';
import { loadConfig } from '../../src/config/index.js';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { decodeJwt } from '../support/jwt-api.js';
import { hiddenField, pathOf } from '../pages/helpers.js';
import { auditProbe, type Sent } from './audit-expect.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-'));

describe('SEC-65 audit events', () => {
  let t: TestInstance;
  let mailbox: Mailbox;

  before(async () => {
    mailbox = await startMailbox();
    // Real argon2id; a SQLite file (or a PostgreSQL schema) so the CLI can read the same database.
    t = await createTestInstance({ smtpUrl: mailbox.url, sqliteFile: join(dir, 'audit.db'), env: { REFRESH_REUSE_GRACE: '0', REGISTRATION_PER_IP_HOUR: '1' } });
  });
  const { send, expectEvent, accountIdOf, db } = auditProbe(() => t);
  after(async () => {
    await t.close();
    await mailbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });


  it('SEC-65 JWT API: login failure and success, refresh, refresh-token reuse, an unknown refresh token, logout', async () => {
    const registered = await send('POST', '/api/v1/account/register', { json: { username: 'audit-jwt', password: 'violet harbor lantern' } });
    assert.equal(registered.status, 200);
    const id = await accountIdOf('audit-jwt');
    await expectEvent(registered, 'register', 'success', { accountId: id, surface: 'jwt', only: true, detail: { status: 'active' } });

    const wrong = await send('POST', '/api/v1/account/login', { json: { username: 'Audit-JWT', password: 'not the password' } });
    assert.equal(wrong.status, 401);
    const failed = await expectEvent(wrong, 'login', 'failure', { accountId: id, surface: 'jwt', only: true, detail: { reason: 'wrong_password' } });
    assert.match(String(failed.identifier_hash), /^[A-Za-z0-9_-]{43}$/, 'the identifier is kept as a keyed hash');

    const ok = await send('POST', '/api/v1/account/login', { json: { username: 'audit-jwt', password: 'violet harbor lantern' } });
    assert.equal(ok.status, 200);
    const pair = ok.body.result.token;
    await expectEvent(ok, 'login', 'success', { accountId: id, surface: 'jwt', only: true, detail: { sessionId: decodeJwt(pair.access).payload.sid } });

    const refreshed = await send('GET', '/api/v1/account/refresh', { headers: { authorization: `Bearer ${pair.refresh}` } });
    assert.equal(refreshed.status, 200);
    await expectEvent(refreshed, 'refresh', 'success', { accountId: id, surface: 'jwt', only: true });

    const replay = await send('POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } });
    assert.equal(replay.body.error.code, 'token_reused');
    await expectEvent(replay, 'refresh_reuse', 'rejected', { accountId: id, surface: 'jwt', only: true });

    const unknown = await send('POST', '/api/v1/account/refresh', { json: { refresh: 'A'.repeat(43) } });
    assert.equal(unknown.status, 401);
    await expectEvent(unknown, 'refresh', 'failure', { accountId: null, surface: 'jwt', only: true, detail: { reason: 'unknown' } });

    const again = (await send('POST', '/api/v1/account/login', { json: { username: 'audit-jwt', password: 'violet harbor lantern' } })).body.result.token;
    const out = await send('DELETE', '/api/v1/account/logout', { headers: { authorization: `Bearer ${again.access}` } });
    assert.equal(out.status, 200);
    await expectEvent(out, 'logout', 'success', { accountId: id, surface: 'jwt', only: true });
  });

  it('SEC-65 the request id is the one the client sent in X-Request-Id, when it sent a usable one', async () => {
    // A name not tried before: further failures of one name within a window are folded into one
    // counted row (docs/security.md, "Audit volume under abuse").
    const sent = await send('POST', '/api/v1/account/login', {
      json: { username: 'audit-request-id', password: 'wrong again' },
      headers: { 'x-request-id': 'client-chosen-id-65' },
    });
    assert.equal(sent.requestId, 'client-chosen-id-65');
    await expectEvent(sent, 'login', 'failure', { surface: 'jwt' });
  });

  it('SEC-65 cookie API: login failure and success, logout, and a CSRF rejection', async () => {
    assert.equal((await send('POST', '/api/v1/account/register', { json: { username: 'audit-cookie', password: 'maple river compass' } })).status, 200);
    const id = await accountIdOf('audit-cookie');
    const jar = new CookieJar();
    const wrong = await send('POST', '/accounts/action/?do=login', { json: { username: 'audit-cookie', password: 'wrong pass phrase' }, jar });
    assert.equal(wrong.status, 401);
    await expectEvent(wrong, 'login', 'failure', { accountId: id, surface: 'cookie', only: true });
    const ok = await send('POST', '/accounts/action/?do=login', { json: { username: 'audit-cookie', password: 'maple river compass' }, jar });
    assert.equal(ok.status, 200);
    await expectEvent(ok, 'login', 'success', { accountId: id, surface: 'cookie', only: true });

    const forged = await send('POST', '/accounts/action/?do=logout', { json: {}, jar, headers: { origin: 'https://evil.example' } });
    assert.equal(forged.status, 403);
    await expectEvent(forged, 'csrf_rejected', 'rejected', { surface: 'cookie', only: true });

    const out = await send('POST', '/accounts/action/?do=logout', { json: {}, jar, headers: { 'x-csrftoken': jar.get('csrftoken')! } });
    assert.equal(out.status, 200);
    await expectEvent(out, 'logout', 'success', { accountId: id, surface: 'cookie', only: true });
  });

  it('SEC-65 HTTP Basic: login failure and success, password change, a cross-site change refused, deletion', async () => {
    const created = await send('POST', '/api/account', { json: { username: 'audit-basic@example.com', password: 'granite meadow signal' } });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    await expectEvent(created, 'register', 'success', { accountId: id, surface: 'basic', only: true });
    const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`audit-basic@example.com:${password}`).toString('base64')}` });

    const wrong = await send('GET', '/api/', { headers: basic('not it at all') });
    assert.equal(wrong.status, 401);
    await expectEvent(wrong, 'login', 'failure', { accountId: id, surface: 'basic', only: true });
    const ok = await send('GET', '/api/', { headers: basic('granite meadow signal') });
    assert.equal(ok.status, 200);
    await expectEvent(ok, 'login', 'success', { accountId: id, surface: 'basic', only: true });

    const changed = await send('POST', '/api/account/pw/change', {
      json: { username: 'audit-basic@example.com', password: 'copper valley beacon' },
      headers: basic('granite meadow signal'),
    });
    assert.equal(changed.status, 200);
    await expectEvent(changed, 'password_change', 'success', { accountId: id, surface: 'basic' });

    const crossSite = await send('DELETE', '/api/account', { headers: { ...basic('copper valley beacon'), origin: 'https://evil.example' } });
    assert.equal(crossSite.status, 403);
    await expectEvent(crossSite, 'csrf_rejected', 'rejected', { surface: 'basic', only: true });

    const deleted = await send('DELETE', '/api/account', { headers: basic('copper valley beacon') });
    assert.equal(deleted.status, 200);
    await expectEvent(deleted, 'account_delete', 'success', { accountId: id, surface: 'basic' });
    assert.equal(
      (await db().selectFrom('audit_events').select('id').where('account_id', '=', id).execute()).length >= 5,
      true,
      'the events outlive the account',
    );
  });

  it('SEC-65 hosted pages: login failure and success, password change failure and success, logout, a CSRF rejection', async () => {
    assert.equal((await send('POST', '/api/v1/account/register', { json: { username: 'audit-page', password: 'amber forest whistle' } })).status, 200);
    const id = await accountIdOf('audit-page');
    const jar = new CookieJar();
    const csrf = hiddenField((await send('GET', '/login', { jar })).text, 'csrf');

    const noToken = await send('POST', '/login', { form: { username: 'audit-page', password: 'amber forest whistle' }, jar });
    assert.equal(noToken.status, 403);
    await expectEvent(noToken, 'csrf_rejected', 'rejected', { surface: 'page', only: true });

    const wrong = await send('POST', '/login', { form: { csrf, username: 'audit-page', password: 'wrong wrong wrong' }, jar });
    assert.equal(wrong.status, 401);
    await expectEvent(wrong, 'login', 'failure', { accountId: id, surface: 'page', only: true });
    const ok = await send('POST', '/login', { form: { csrf, username: 'audit-page', password: 'amber forest whistle' }, jar });
    assert.equal(ok.status, 303);
    await expectEvent(ok, 'login', 'success', { accountId: id, surface: 'page', only: true });

    const sessionCsrf = hiddenField((await send('GET', '/account', { jar })).text, 'csrf');
    const badCurrent = await send('POST', '/account/password', {
      form: { csrf: sessionCsrf, current_password: 'not my password', password: 'silver canyon ember', password_confirm: 'silver canyon ember' },
      jar,
    });
    assert.equal(badCurrent.status, 400);
    await expectEvent(badCurrent, 'password_change', 'failure', { accountId: id, surface: 'page', only: true, detail: { reason: 'wrong_password' } });
    const changed = await send('POST', '/account/password', {
      form: { csrf: sessionCsrf, current_password: 'amber forest whistle', password: 'silver canyon ember', password_confirm: 'silver canyon ember' },
      jar,
    });
    assert.equal(changed.status, 200);
    await expectEvent(changed, 'password_change', 'success', { accountId: id, surface: 'page', only: true });

    const out = await send('POST', '/logout', { form: { csrf: sessionCsrf }, jar });
    assert.equal(out.status, 303);
    await expectEvent(out, 'logout', 'success', { accountId: id, surface: 'page', only: true });
  });

  it('SEC-65 email links: sign-up, confirmation, an address already taken, reset requested (known and unknown), reset completed, a used link refused', async () => {
    const jar = new CookieJar();
    const created = await send('POST', '/accounts/action/?do=create', { json: { email: 'audit-confirm@example.com' }, jar });
    assert.equal(created.status, 200);
    await t.flushOutbox();
    const confirmMail = await mailbox.waitFor((m) => m.to.includes('audit-confirm@example.com'));
    const confirmPage = await send('GET', pathOf(linkFrom(confirmMail, '/confirm')), { jar });
    const confirmed = await send('POST', '/confirm', {
      form: { csrf: hiddenField(confirmPage.text, 'csrf'), token: hiddenField(confirmPage.text, 'token'), password: 'quartz lagoon pepper', password_confirm: 'quartz lagoon pepper' },
      jar,
    });
    assert.equal(confirmed.status, 303);
    const id = await accountIdOf('audit-confirm@example.com');
    await expectEvent(created, 'register', 'success', { accountId: id, surface: 'cookie', only: true, detail: { status: 'pending' } });
    await expectEvent(confirmed, 'confirm', 'success', { accountId: id, surface: 'page' });
    await expectEvent(confirmed, 'login', 'success', { accountId: id, surface: 'page', detail: { via: 'link' } });
    const taken = await send('POST', '/accounts/action/?do=create', { json: { email: 'Audit-Confirm@example.com' } });
    assert.equal(taken.status, 200, 'the same answer as for a new address');
    await expectEvent(taken, 'register', 'failure', { accountId: id, surface: 'cookie', only: true, detail: { reason: 'email_exists' } });
    // The notice to the owner spent this address's mail budget for the minute: a reset now sends nothing.
    const overBudget = await send('POST', '/api/account/pw/reset', { json: { username: 'audit-confirm@example.com' } });
    assert.equal(overBudget.status, 200);
    await expectEvent(overBudget, 'reset_requested', 'rejected', { accountId: id, surface: 'basic', only: true, detail: { reason: 'mail_budget' } });
    t.clock.advance(61_000);

    const requested = await send('POST', '/api/account/pw/reset', { json: { username: 'audit-confirm@example.com' } });
    assert.equal(requested.status, 200);
    const row = await expectEvent(requested, 'reset_requested', 'success', { accountId: id, surface: 'basic', only: true, detail: { sent: 'reset_link' } });
    const unknown = await send('POST', '/api/account/pw/reset', { json: { username: 'nobody-at-all@example.com' } });
    assert.equal(unknown.status, 200);
    const none = await expectEvent(unknown, 'reset_requested', 'failure', { accountId: null, surface: 'basic', only: true, detail: { reason: 'unknown_account' } });
    assert.notEqual(none.identifier_hash, row.identifier_hash);

    await t.flushOutbox();
    const resetMail = await mailbox.waitFor((m) => m.to.includes('audit-confirm@example.com') && m.links.some((l) => new URL(l).pathname === '/reset'));
    const link = pathOf(linkFrom(resetMail, '/reset'));
    const resetPage = await send('GET', link, { jar });
    const fields = { csrf: hiddenField(resetPage.text, 'csrf'), token: hiddenField(resetPage.text, 'token'), password: 'walnut prairie glow', password_confirm: 'walnut prairie glow' };
    const completed = await send('POST', '/reset/complete', { form: fields, jar });
    assert.equal(completed.status, 303);
    await expectEvent(completed, 'reset_completed', 'success', { accountId: id, surface: 'page', detail: { mode: 'link' } });
    await expectEvent(completed, 'login', 'success', { accountId: id, surface: 'page', detail: { via: 'link' } });

    const reused = await send('POST', '/reset/complete', { form: fields, jar });
    assert.equal(reused.status, 400);
    await expectEvent(reused, 'reset_completed', 'failure', { accountId: null, surface: 'page', only: true, detail: { reason: 'invalid_link' } });
  });

  it('SEC-65 lockout: the failure that starts a delay records a lockout, and the refused attempt a rate-limit rejection', async () => {
    assert.equal((await send('POST', '/api/v1/account/register', { json: { username: 'audit-lock', password: 'cobalt thistle engine' } })).status, 200);
    const id = await accountIdOf('audit-lock');
    const attempts: Sent[] = [];
    for (let i = 0; i < 6; i++) attempts.push(await send('POST', '/api/v1/account/login', { json: { username: 'audit-lock', password: `wrong guess ${i}` } }));
    assert.deepEqual(attempts.map((a) => a.status), [401, 401, 401, 401, 401, 401]);
    for (const early of attempts.slice(0, 5)) {
      assert.equal((await db().selectFrom('audit_events').select('id').where('request_id', '=', early.requestId).where('type', '=', 'lockout').execute()).length, 0);
    }
    // The first failure of the name is a row at once; the next five fold into one counted row,
    // written when the window ends (docs/security.md, "Audit volume under abuse").
    await expectEvent(attempts[0]!, 'login', 'failure', { accountId: id, surface: 'jwt' });
    await expectEvent(attempts[5]!, 'lockout', 'failure', { accountId: id, surface: 'jwt', detail: { scope: 'identifier', seconds: 1 } });

    const refused = await send('POST', '/api/v1/account/login', { json: { username: 'audit-lock', password: 'cobalt thistle engine' } });
    assert.equal(refused.status, 429);
    await expectEvent(refused, 'rate_limited', 'rejected', { surface: 'jwt', only: true, detail: { limit: 'login' } });

    await t.latchkey.audit.flush();
    const failures = await db().selectFrom('audit_events').select(['detail', 'request_id']).where('type', '=', 'login').where('outcome', '=', 'failure').where('account_id', '=', id).execute();
    const details = failures.map((r) => JSON.parse(r.detail ?? '{}') as Record<string, unknown>);
    assert.equal(failures.length, 2, 'the first failure, and one counted row for the rest');
    assert.deepEqual(details.map((d) => d.count ?? 1).sort(), [1, 5]);
    const folded = failures[details.findIndex((d) => d.count === 5)]!;
    assert.equal(folded.request_id, attempts[5]!.requestId, 'the counted row names the last request');
    assert.equal(details.find((d) => d.count === 5)!.keyedBy, 'identifier');
  });

  it('SEC-65 a per-address limit refusal (429) is recorded once, from the HTTP layer', async () => {
    const first = await send('POST', '/accounts/action/?do=create', { json: { email: 'audit-limit-1@example.com' }, ip: '10.66.0.1' });
    assert.equal(first.status, 200);
    const second = await send('POST', '/accounts/action/?do=create', { json: { email: 'audit-limit-2@example.com' }, ip: '10.66.0.1' });
    assert.equal(second.status, 429, 'REGISTRATION_PER_IP_HOUR=1');
    await expectEvent(second, 'rate_limited', 'rejected', { accountId: null, surface: 'cookie', only: true, detail: { route: 'POST /accounts/action/' } });
  });

  it('SEC-65 latchkey audit --account shows an account\'s events newest first, and attempts on a name without an account', () => {
    const env = { ...process.env, DATABASE_URL: t.latchkey.config.databaseUrl };
    const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', ...args], { env, encoding: 'utf8', timeout: 60_000 });

    const json = cli(['--account', 'AUDIT-JWT', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const events = JSON.parse(json.stdout) as Array<{ type: string; outcome: string; at: string; surface: string; requestId: string }>;
    const seen = events.map((e) => `${e.type}:${e.outcome}`);
    for (const expected of ['login:failure', 'login:success', 'refresh:success', 'refresh_reuse:rejected', 'logout:success']) {
      assert.ok(seen.includes(expected), `${expected} in ${seen.join(', ')}`);
    }
    const times = events.map((e) => Date.parse(e.at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    assert.ok(events.every((e) => e.surface === 'jwt'));

    const table = cli(['--account', 'audit-jwt', '--type', 'logout']);
    assert.equal(table.status, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^TIME\s+TYPE\s+OUTCOME\s+SURFACE\s+ACCOUNT\s+IP\s+REQUEST ID\s+DETAIL$/);
    assert.equal(lines.length, 2);
    assert.match(lines[1] ?? '', /\slogout\s+success\s+jwt\s/);

    const nobody = JSON.parse(cli(['--account', 'nobody-at-all@example.com', '--json']).stdout) as Array<{ type: string; outcome: string }>;
    assert.deepEqual(nobody.map((e) => `${e.type}:${e.outcome}`), ['reset_requested:failure']);

    assert.equal(cli(['--since', '2999-01-01', '--limit', '5']).stdout.trim(), 'no events');
    const limited = JSON.parse(cli(['--limit', '3', '--json']).stdout) as unknown[];
    assert.equal(limited.length, 3);

    const bad = cli(['--type', 'coffee']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /--type must be one of login, /);
    const help = cli(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--account/);
  });

  it('SEC-65 latchkey audit refuses bad arguments with one clear line', () => {
    const bad = (args: string[], message: RegExp) =>
      assert.throws(() => parseAuditArgs(args), (e) => e instanceof UsageError && message.test(e.message), args.join(' '));
    bad(['--limit', '0'], /--limit must be a whole number from 1 to 10000/);
    bad(['--limit', 'ten'], /--limit/);
    bad(['--since', 'yesterday'], /--since must be an ISO 8601/);
    bad(['--since', '2026-13-45'], /--since/);
    bad(['--account'], /--account needs a value/);
    bad(['--account', '--json'], /--account needs a value/);
    bad(['--account', 'a\nb'], /--account must be/);
    bad(['--frobnicate'], /unexpected argument/);
    assert.deepEqual(parseAuditArgs(['--account=alice', '--type=login', '--since=2026-11-01T08:30', '--limit=5', '--json']), {
      account: 'alice',
      type: 'login',
      since: Date.UTC(2026, 10, 1, 8, 30),
      limit: 5,
      json: true,
    });
  });

  it('SEC-65 a failed login is still answered 401 when the audit row cannot be written; the log line is written anyway', async () => {
    await db().schema.alterTable('audit_events').renameTo('audit_events_away').execute();
    try {
      const sent = await send('POST', '/api/v1/account/login', { json: { username: 'audit-write-fails', password: 'wrong once more' } });
      assert.equal(sent.status, 401);
      const lines = t.logs.map((l) => JSON.parse(l) as Record<string, any>);
      assert.equal(lines.filter((l) => l.type === 'audit' && l.requestId === sent.requestId && l.event === 'login').length, 1);
      assert.ok(lines.some((l) => l.type === 'audit_write_failed' && l.event === 'login'), 'the failed write is logged');
    } finally {
      await db().schema.alterTable('audit_events_away').renameTo('audit_events').execute();
    }
  });

  it('SEC-65 the cleanup deletes audit events older than AUDIT_RETENTION_DAYS (90 by default) and keeps the rest', async () => {
    assert.equal(loadConfig({}).auditRetentionDays, 90);
    assert.equal(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays, 30);
    assert.throws(() => loadConfig({ AUDIT_RETENTION_DAYS: '0' }), /^ConfigError: AUDIT_RETENTION_DAYS must be between 1 and 36500 \(got "0"\)$/);

    const before = (await db().selectFrom('audit_events').select('id').execute()).length;
    const now = t.clock.now();
    t.clock.set(now - 91 * 86_400_000);
    await t.latchkey.audit.note({ type: 'login', outcome: 'failure', detail: { reason: 'old' } });
    t.clock.set(now - 89 * 86_400_000);
    await t.latchkey.audit.note({ type: 'login', outcome: 'failure', detail: { reason: 'recent' } });
    t.clock.set(now);
    const report = await t.latchkey.maintenance.runOnce();
    assert.equal(report.auditEvents, 1);
    const left = await db().selectFrom('audit_events').select('detail').execute();
    assert.equal(left.length, before + 1);
    assert.ok(left.some((r) => r.detail === '{"reason":"recent"}'));
    assert.ok(!left.some((r) => r.detail === '{"reason":"old"}'));
  });
});
