/**
 * SEC-66: no password, token, cookie, CSRF token, link token or Authorization header ever
 * reaches a log line or a database column in the clear. Every path runs with distinctive canary
 * secrets, on success and on failure and with bad input, at LOG_LEVEL=trace; then every captured
 * log line and every column of every table is searched for each canary (hashes are fine: they
 * never contain the canary). Links come from a real SMTP sink. A second test shows that CR/LF in
 * a username cannot start a forged log line.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { CookieJar } from '../support/cookie-jar.js';
import { requestParts, type RequestParts } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { hiddenField, pathOf } from '../pages/helpers.js';

/** A distinctive secret: letters, digits and hyphens only, so it reads the same JSON-, form- or URL-encoded. */
const canary = (label: string): string => `Canary-${label}-${randomBytes(9).toString('hex')}`;

/** Every canary that occurs in `text`. */
function leaked(text: string, secrets: Iterable<string>): string[] {
  return [...secrets].filter((s) => text.includes(s));
}

/** Every row of every table, as one string. */
async function databaseText(t: TestInstance): Promise<string> {
  const { db, schema } = t.latchkey.database;
  // On PostgreSQL, only this instance's schema (other test files have their own), listed by name:
  // Kysely's introspection reads every schema's tables, and failed when another file's schema was
  // dropped while it ran ("schema ... does not exist", once in .ci/run).
  const tables =
    schema === undefined
      ? (await db.introspection.getTables()).map((table) => table.name)
      : (await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = ${schema} order by tablename`.execute(db)).rows.map((row) => row.name);
  assert.ok(tables.includes('audit_events') && tables.includes('sessions'), `tables: ${tables.join(', ')}`);
  const dumps: string[] = [];
  for (const table of tables) dumps.push(`${table}: ${JSON.stringify(await db.selectFrom(table as 'accounts').selectAll().execute())}`);
  return dumps.join('\n');
}

describe('SEC-66 no secrets in logs or in the database', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  const secrets = new Set<string>();
  const keep = <T extends string>(value: T): T => {
    assert.ok(value.length >= 16, `a canary too short to search for: ${value}`);
    secrets.add(value);
    return value;
  };

  before(async () => {
    mailbox = await startMailbox();
    t = await createTestInstance({ smtpUrl: mailbox.url, env: { LOG_LEVEL: 'trace' } }); // real argon2id
  });
  after(async () => {
    await t.close();
    await mailbox.stop();
  });

  const inject = async (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    options: RequestParts = {},
  ) => {
    const res = await t.app.inject({ method, url, ...requestParts(options) });
    options.jar?.update(res);
    assert.ok(res.statusCode < 500, `${method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    return res;
  };
  const json = (res: { body: string }) => JSON.parse(res.body) as any;
  const basic = (user: string, password: string) => {
    const header = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    keep(header.slice('Basic '.length));
    return { authorization: header };
  };

  it('SEC-66 the JWT API: passwords, access and refresh tokens, on success, failure and bad input', async () => {
    const password = keep(canary('jwt-pw'));
    assert.equal((await inject('POST', '/api/v1/account/register', { json: { username: 'canary-jwt', password } })).statusCode, 200);
    await inject('POST', '/api/v1/account/login', { json: { username: 'canary-jwt', password: keep(canary('jwt-wrong')) } });
    await inject('POST', '/api/v1/account/login', { json: { username: 'nobody-here', password: keep(canary('jwt-unknown')) } });
    await inject('POST', '/api/v1/account/register', { json: { username: 'canary-weak', password: keep(`canary-weak${'x'.repeat(10)}`) } });
    await inject('POST', '/api/v1/account/register', { json: { username: 'canary-long', password: keep(canary('jwt-long')) + 'y'.repeat(1100) } });
    await inject('POST', '/api/v1/account/login', { payload: `{"username":"canary-jwt","password":"${keep(canary('jwt-broken-json'))}`, headers: { 'content-type': 'application/json' } });
    await inject('POST', '/api/v1/account/login', { json: { username: 'canary-jwt', password: [keep(canary('jwt-array'))] } });
    await inject('POST', '/api/v1/account/login', { json: { username: 'canary-jwt', password, extra: keep(canary('jwt-extra')) } });
    await inject('POST', '/api/v1/account/login', { payload: `{"password":"${keep(canary('jwt-huge'))}","pad":"${'z'.repeat(70_000)}"}`, headers: { 'content-type': 'application/json' } });
    await inject('POST', '/api/v1/account/login', {
      payload: Buffer.concat([Buffer.from(`{"username":"canary-jwt","password":"${keep(canary('jwt-utf8'))}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      headers: { 'content-type': 'application/json' },
    });

    const pair = json(await inject('POST', '/api/v1/account/login', { json: { username: 'canary-jwt', password } })).result.token;
    keep(pair.access);
    keep(pair.refresh);
    await inject('GET', '/api/v1/account/me', { headers: { authorization: `Bearer ${pair.access}` } });
    const next = json(await inject('GET', '/api/v1/account/refresh', { headers: { authorization: `Bearer ${pair.refresh}` } })).result.token;
    keep(next.access);
    keep(next.refresh);
    t.clock.advance(11_000); // past the reuse grace window: the replay below is reuse
    await inject('POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } });
    await inject('POST', '/api/v1/account/refresh', { json: { refresh: keep(canary('jwt-refresh-forged')) } });
    await inject('GET', '/api/v1/account/me', { headers: { authorization: `Bearer ${keep(canary('jwt-bearer-forged'))}` } });
    await inject('GET', '/api/v1/account/me', { headers: { authorization: `Bearer ${next.access}` } });
    const third = json(await inject('POST', '/api/v1/account/login', { json: { username: 'canary-jwt', password } })).result.token;
    keep(third.access);
    keep(third.refresh);
    await inject('DELETE', '/api/v1/account/logout', { headers: { authorization: `Bearer ${third.access}` } });
  });

  it('SEC-66 the cookie API: passwords, session cookies, CSRF tokens, forged cookies and headers', async () => {
    const password = keep(canary('cookie-pw'));
    assert.equal((await inject('POST', '/api/v1/account/register', { json: { username: 'canary-cookie', password } })).statusCode, 200);
    await inject('POST', '/accounts/action/?do=login', { json: { username: 'canary-cookie', password: keep(canary('cookie-wrong')) } });
    await inject('POST', '/accounts/action/?do=login', { json: { username: 'canary-cookie', password: { nested: keep(canary('cookie-object')) } } });
    const jar = new CookieJar();
    assert.equal((await inject('POST', '/accounts/action/?do=login', { json: { username: 'canary-cookie', password }, jar })).statusCode, 200);
    keep(jar.get('sessionid')!);
    keep(jar.get('csrftoken')!);
    await inject('POST', '/accounts/action/?do=check_login_with_return_uuid', { json: { username: 'canary-cookie', password }, jar });
    await inject('POST', '/accounts/action/?do=logout', { json: {}, jar, headers: { 'x-csrftoken': keep(canary('cookie-csrf-forged')) } });
    await inject('POST', '/accounts/action/?do=logout', { json: {}, jar, headers: { origin: 'https://evil.example' } });
    await inject('POST', '/accounts/action/?do=check_login', { json: {}, headers: { cookie: `sessionid=${keep(canary('cookie-session-forged'))}` } });
    await inject('POST', '/accounts/action/?do=logout', { json: {}, jar, headers: { 'x-csrftoken': jar.get('csrftoken')! } });
  });

  it('SEC-66 HTTP Basic: Authorization headers, passwords, change, reset and deletion', async () => {
    const password = keep(canary('basic-pw'));
    const created = await inject('POST', '/api/account', { json: { username: 'canary-basic@example.com', password, email: 'canary-basic@example.com' } });
    assert.equal(created.statusCode, 201);
    await inject('GET', '/api/', { headers: basic('canary-basic@example.com', password) });
    await inject('GET', '/api/', { headers: basic('canary-basic@example.com', keep(canary('basic-wrong'))) });
    await inject('GET', '/api/', { headers: basic('nobody@example.com', keep(canary('basic-unknown'))) });
    await inject('GET', '/api/', { headers: { authorization: `Basic ${keep(canary('basic-not-base64'))}!!` } });
    const changed = keep(canary('basic-new-pw'));
    await inject('POST', '/api/account/pw/change', { json: { username: 'canary-basic@example.com', password: changed }, headers: basic('canary-basic@example.com', password) });
    await inject('POST', '/api/account/pw/change', { json: { username: 'someone-else', password: keep(canary('basic-other')) }, headers: basic('canary-basic@example.com', changed) });

    // Reset by link over SMTP, then the new password, then deletion.
    await inject('POST', '/api/account/pw/reset', { json: { username: 'canary-basic@example.com' } });
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => m.to.includes('canary-basic@example.com') && m.links.some((l) => new URL(l).pathname === '/reset'));
    const link = pathOf(linkFrom(mail, '/reset'));
    const token = keep(new URL(link, 'http://x').searchParams.get('token')!);
    const jar = new CookieJar();
    const page = await inject('GET', link, { jar });
    keep(jar.get('latchkey_form')!);
    const after = keep(canary('basic-reset-pw'));
    const fields = { csrf: hiddenField(page.body, 'csrf'), token, password: after, password_confirm: after };
    assert.equal((await inject('POST', '/reset/complete', { form: fields, jar })).statusCode, 303);
    await inject('POST', '/reset/complete', { form: fields, jar }); // used: refused
    await inject('GET', `/reset?token=${keep(canary('reset-token-forged'))}`, { jar });
    await inject('DELETE', '/api/account', { headers: { ...basic('canary-basic@example.com', after), origin: 'https://evil.example' } });
    assert.equal((await inject('DELETE', '/api/account', { headers: basic('canary-basic@example.com', after) })).statusCode, 200);
  });

  it('SEC-66 hosted pages and email sign-up: confirmation link, form tokens, session, password change', async () => {
    const jar = new CookieJar();
    await inject('POST', '/accounts/action/?do=create', { json: { email: 'canary-page@example.com' }, jar });
    await t.flushOutbox();
    const mail = await mailbox.waitFor((m) => m.to.includes('canary-page@example.com'));
    const link = pathOf(linkFrom(mail, '/confirm'));
    const token = keep(new URL(link, 'http://x').searchParams.get('token')!);
    const page = await inject('GET', link, { jar });
    const password = keep(canary('page-pw'));
    const fields = { csrf: hiddenField(page.body, 'csrf'), token, password, password_confirm: password };
    await inject('POST', '/confirm', { form: { ...fields, password: keep(canary('page-mismatch')) }, jar });
    assert.equal((await inject('POST', '/confirm', { form: fields, jar })).statusCode, 303);
    keep(jar.get('sessionid')!); // the session the link signed in
    await inject('POST', '/confirm', { form: fields, jar });
    await inject('GET', `/confirm?token=${keep(canary('confirm-token-forged'))}`, { jar });

    const login = await inject('GET', '/login', { jar });
    const formToken = hiddenField(login.body, 'csrf');
    keep(formToken);
    await inject('POST', '/login', { form: { csrf: formToken, username: 'canary-page@example.com', password: keep(canary('page-wrong')) }, jar });
    await inject('POST', '/login', { form: { csrf: keep(canary('page-form-forged')), username: 'canary-page@example.com', password }, jar });
    assert.equal((await inject('POST', '/login', { form: { csrf: formToken, username: 'canary-page@example.com', password }, jar })).statusCode, 303);
    keep(jar.get('sessionid')!);
    const account = await inject('GET', '/account', { jar });
    const sessionCsrf = keep(hiddenField(account.body, 'csrf'));
    const next = keep(canary('page-new-pw'));
    await inject('POST', '/account/password', { form: { csrf: sessionCsrf, current_password: keep(canary('page-current-wrong')), password: next, password_confirm: next }, jar });
    await inject('POST', '/account/password', { form: { csrf: sessionCsrf, current_password: password, password: next, password_confirm: next }, jar });
    await inject('POST', '/logout', { form: { csrf: sessionCsrf }, jar });
  });

  it('SEC-66 no canary appears in any log line or any database column, and the search would have found one', async () => {
    await t.flushOutbox(); // sent mail has its data (link tokens) cleared
    const logs = t.logs.join('\n');
    assert.ok(secrets.size >= 40, `${secrets.size} canaries`);
    assert.ok(t.logs.length > 100, 'the requests were logged');
    assert.ok(t.logs.some((l) => l.includes('"type":"audit"') && l.includes('"event":"login"')), 'audit lines were logged');
    assert.deepEqual(leaked(logs, secrets), [], 'secrets in the log');
    assert.deepEqual(leaked(await databaseText(t), secrets), [], 'secrets in the database');

    // The search is real: a canary planted in a log line and in a column is found.
    const planted = [...secrets][0]!;
    t.app.log.info({ probe: planted }, 'planted');
    assert.deepEqual(leaked(t.logs.join('\n'), [planted]), [planted]);
    await t.latchkey.database.db.updateTable('audit_events').set({ user_agent: planted }).where('id', 'in', (qb) => qb.selectFrom('audit_events').select('id').limit(1)).execute();
    assert.deepEqual(leaked(await databaseText(t), [planted]), [planted]);
  });
});

describe('SEC-66 no secrets in logs: the Basic API new-password mode', () => {
  it('SEC-66 the generated password travels only by email: not in a log line, not left in the outbox', async () => {
    const mailbox = await startMailbox();
    const t = await createTestInstance({ smtpUrl: mailbox.url, env: { LOG_LEVEL: 'trace', PASSWORD_RESET_MODE: 'new_password' } });
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/account',
        payload: { username: 'canary-newpw@example.com', password: canary('newpw-first'), email: 'canary-newpw@example.com' },
      });
      assert.equal(res.statusCode, 201);
      assert.equal((await t.app.inject({ method: 'POST', url: '/api/account/pw/reset', payload: { username: 'canary-newpw@example.com' } })).statusCode, 200);
      await t.flushOutbox();
      const mail = await mailbox.waitFor((m) => m.to.includes('canary-newpw@example.com'));
      const generated = /password[^:]*:\s*(\S+)/i.exec(mail.text)?.[1];
      assert.ok(generated && generated.length >= 16, `a generated password in the mail:\n${mail.text}`);
      const login = await t.app.inject({
        method: 'GET',
        url: '/api/',
        headers: { authorization: `Basic ${Buffer.from(`canary-newpw@example.com:${generated}`).toString('base64')}` },
      });
      assert.equal(login.statusCode, 200, 'the mailed password works');
      assert.deepEqual(leaked(t.logs.join('\n'), [generated]), []);
      assert.deepEqual(leaked(await databaseText(t), [generated]), []);
    } finally {
      await t.close();
      await mailbox.stop();
    }
  });
});

describe('SEC-66 CR/LF in input cannot forge a log line', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { LOG_LEVEL: 'trace' } });
  });
  after(() => t.close());

  it('SEC-66 a username holding a newline and a JSON object gives exactly one audit line per attempt, and every line is one JSON record', async () => {
    const forged = 'x\n{"level":30,"type":"audit","event":"login","outcome":"success","accountId":"forged"}\r\n';
    // Each attempt from its own address with its own name: repeated refusals of one address or
    // name are folded into one counted line per window (docs/security.md, "Audit volume under abuse").
    const attempts = [
      await t.app.inject({ method: 'POST', url: '/api/v1/account/login', payload: { username: `a${forged}`, password: 'whatever password' }, remoteAddress: '192.0.2.61' }),
      await t.app.inject({ method: 'POST', url: '/accounts/action/?do=login', payload: { username: `b${forged}`, password: 'whatever password' }, remoteAddress: '192.0.2.62' }),
      await t.app.inject({ method: 'POST', url: '/api/account/pw/reset', payload: { username: `c${forged}` }, remoteAddress: '192.0.2.63' }),
    ];
    assert.deepEqual(attempts.map((r) => r.statusCode), [401, 401, 200]);
    const records = t.logs.map((line) => {
      assert.doesNotThrow(() => JSON.parse(line), `not one JSON record: ${line}`);
      return JSON.parse(line) as Record<string, unknown>;
    });
    assert.ok(records.every((r) => typeof r.level === 'number' && typeof r.time === 'number' && typeof r.msg === 'string'), 'every line is a pino record');
    assert.ok(!records.some((r) => r.accountId === 'forged'), 'no forged record');
    for (const res of attempts) {
      const id = res.headers['x-request-id'];
      const audit = records.filter((r) => r.type === 'audit' && r.requestId === id);
      assert.equal(audit.length, 1, `one audit line for ${String(id)}`);
      assert.ok(typeof audit[0]!.identifierHash === 'string', 'the identifier is hashed, never logged');
    }
  });
});
