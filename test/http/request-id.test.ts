/**
 * Structured logs as an operator reads them: every line is one JSON object; every response,
 * whatever its status or surface, carries an X-Request-Id; every line written while handling
 * a request carries that id, so one grep finds a request's whole story; a client's own safe id
 * is kept (for tracing across services) and an unsafe one is replaced, never logged.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import type { AccountsService } from '../../src/core/accounts-service.js';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logging.js';
import { CookieJar } from '../support/cookie-jar.js';
import { call, type JsonResponse } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { isDatabaseUnavailable } from '../../src/store/index.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';

const PASSWORD = 'a long and private passphrase';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface LogLine {
  msg?: string;
  reqId?: string;
  res?: { statusCode?: number };
  [key: string]: unknown;
}

/** Parses log lines, asserting each is one JSON object. */
function parseLines(lines: string[]): LogLine[] {
  return lines.map((line) => {
    let parsed: unknown;
    assert.doesNotThrow(() => (parsed = JSON.parse(line)), `not a JSON log line: ${line}`);
    assert.equal(typeof parsed, 'object', line);
    return parsed as LogLine;
  });
}

/** The request id a line carries (`reqId`, as Fastify's request loggers write it). */
const idOf = (line: LogLine): string | undefined => line.reqId;

describe('request ids on responses and log lines', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance(); // real argon2id for the login below
  });
  after(() => t.close());

  it('SEC-65 every response carries an X-Request-Id, and every line logged for a request carries the same id', async () => {
    await t.service.registerAccount({ username: 'log-user', password: PASSWORD });
    const first = t.logs.length;
    const responses: Array<{ what: string; status: number; id: string }> = [];
    const record = (what: string, res: { status: number; headers: JsonResponse['headers'] }): void => {
      const id = res.headers['x-request-id'];
      assert.equal(typeof id, 'string', `${what}: no X-Request-Id`);
      assert.match(id as string, UUID, what);
      responses.push({ what, status: res.status, id: id as string });
    };
    const login = { json: { username: 'log-user', password: PASSWORD } };
    const jsonLogin = await call(t.app, 'POST', '/api/v1/account/login', login);
    assert.equal(jsonLogin.status, 200);
    record('jwt login', jsonLogin);
    const token = jsonLogin.body.result.token.access as string;
    record('whoami', await call(t.app, 'GET', '/api/v1/account/me', { headers: { authorization: `Bearer ${token}` } }));
    record('wrong password', await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'log-user', password: 'not it at all' } }));
    record('404', await call(t.app, 'GET', '/no/such/path?token=abc'));
    record('405', await call(t.app, 'PUT', '/api/v1/account/login', login));
    record('413', await call(t.app, 'POST', '/api/v1/account/login', { payload: JSON.stringify({ username: 'x'.repeat(100_000) }), headers: { 'content-type': 'application/json' } }));
    record('415', await call(t.app, 'POST', '/api/v1/account/login', { payload: 'username=x', headers: { 'content-type': 'text/plain' } }));
    record('bad json', await call(t.app, 'POST', '/api/v1/account/login', { payload: '{"username":', headers: { 'content-type': 'application/json' } }));
    record('bad url', await call(t.app, 'GET', '/api/%zz'));
    record('healthz', await call(t.app, 'GET', '/healthz'));
    record('basic 401', await call(t.app, 'GET', '/api/'));
    record('cookie api 404', await call(t.app, 'GET', '/accounts/nothing-here'));
    record('cookie api 405', await call(t.app, 'GET', '/accounts/action/?do=login'));
    record('cookie api unknown action', await call(t.app, 'POST', '/accounts/action/?do=bogus', { json: {} }));
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    record('page', form);
    record('page 403', await postForm(t.app, jar, '/login', { csrf: 'forged', username: 'log-user', password: PASSWORD }));
    record('page login', await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'log-user', password: PASSWORD }));

    const statuses = Object.fromEntries(responses.map((r) => [r.what, r.status]));
    assert.deepEqual(
      [statuses['404'], statuses['405'], statuses['413'], statuses['415'], statuses['bad url'], statuses['page 403'], statuses['page login']],
      [404, 405, 413, 415, 400, 403, 303],
    );
    assert.equal(new Set(responses.map((r) => r.id)).size, responses.length, 'one id per request');

    const lines = parseLines(t.logs.slice(first));
    const ids = new Set(responses.map((r) => r.id));
    for (const line of lines) {
      assert.ok(ids.has(idOf(line) ?? ''), `a line written during a request without its id: ${JSON.stringify(line)}`);
    }
    for (const { what, status, id } of responses) {
      const own = lines.filter((l) => idOf(l) === id);
      assert.ok(own.some((l) => l.msg === 'incoming request'), `${what}: no incoming-request line`);
      const done = own.find((l) => l.msg === 'request completed');
      assert.equal(done?.res?.statusCode, status, `${what}: the completed line names the status`);
    }
    const text = t.logs.slice(first).join('\n');
    assert.ok(!text.includes(PASSWORD), 'no password in the log');
    assert.ok(!text.includes(token), 'no token in the log');
    assert.ok(!text.includes('token=abc'), 'no query string in the log');
  });

  it('keeps a safe X-Request-Id sent by the client, in the answer and in every line of the request', async () => {
    const first = t.logs.length;
    const sent = 'edge-7f3a.b9_c-01';
    const res = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'log-user', password: 'still not it' }, headers: { 'x-request-id': sent } });
    assert.equal(res.status, 401);
    assert.equal(res.headers['x-request-id'], sent);
    const lines = parseLines(t.logs.slice(first));
    assert.ok(lines.length >= 2);
    for (const line of lines) assert.equal(idOf(line), sent, JSON.stringify(line));
    const page = await call(t.app, 'GET', '/login', { headers: { 'x-request-id': 'page-req-1' } });
    assert.equal(page.headers['x-request-id'], 'page-req-1');
  });

  it('SEC-66 replaces an unsafe X-Request-Id (line breaks, spaces, quotes, too long) and never logs it', async () => {
    const unsafe = ['line\r\nX-Evil: 1', 'two words', '{"reqId":"forged"}', 'x'.repeat(65), 'ümlaut', ''];
    for (const sent of unsafe) {
      const first = t.logs.length;
      const res = await call(t.app, 'GET', '/healthz', { headers: { 'x-request-id': sent } });
      assert.equal(res.status, 200);
      const id = String(res.headers['x-request-id']);
      assert.match(id, UUID, JSON.stringify(sent));
      const lines = parseLines(t.logs.slice(first));
      for (const line of lines) assert.equal(idOf(line), id);
      if (sent !== '') assert.ok(!t.logs.slice(first).join('\n').includes(sent.slice(0, 20)), `the unsafe id was logged: ${JSON.stringify(sent)}`);
    }
    const longest = 'y'.repeat(64);
    assert.equal((await call(t.app, 'GET', '/healthz', { headers: { 'x-request-id': longest } })).headers['x-request-id'], longest, '64 characters are still kept');
  });

  it('writes background lines (mail, cleanup) as JSON too', async () => {
    const first = t.logs.length;
    await t.service.registerAccount({ username: 'mail-user', password: PASSWORD, email: 'mail-user@example.com' });
    assert.equal((await call(t.app, 'POST', '/api/account/pw/reset', { json: { username: 'mail-user' } })).status, 200);
    assert.equal(await t.flushOutbox(), 1);
    t.clock.advance(60 * 86_400_000);
    await t.latchkey.maintenance.runOnce();
    const lines = parseLines(t.logs.slice(first));
    assert.ok(lines.some((l) => l.event === 'mail_dev_outbox' || l.event === 'mail_sent'), 'the outbox sender logged the message');
    assert.ok(lines.some((l) => l.msg === 'expired rows removed'), 'the cleanup logged what it removed');
  });
});

describe('request ids on unexpected errors', () => {
  it('the unexpected-error line of every surface carries the request id of the 500 it answered', async () => {
    const logs: string[] = [];
    const service = new Proxy({} as AccountsService, {
      get: () => async () => {
        throw new Error('a bug deep inside');
      },
    });
    const app = buildApp({
      service,
      config: loadConfig({}),
      jwks: () => ({ keys: [] }),
      checkReady: async () => true,
      isOutage: isDatabaseUnavailable,
      logger: loggerOptions(
        'info',
        new Writable({
          write(chunk, _e, done) {
            logs.push(...String(chunk).split('\n').filter(Boolean));
            done();
          },
        }),
      ),
    });
    const login = { json: { username: 'someone', password: PASSWORD } };
    const requests: Array<[string, () => Promise<JsonResponse>]> = [
      ['jwt', () => call(app, 'POST', '/api/v1/account/login', login)],
      ['cookie', () => call(app, 'POST', '/accounts/action/?do=login', login)],
      ['basic', () => call(app, 'GET', '/api/', { headers: { authorization: `Basic ${Buffer.from(`someone:${PASSWORD}`).toString('base64')}` } })],
    ];
    for (const [surface, send] of requests) {
      const res = await send();
      assert.equal(res.status, 500, surface);
      const id = String(res.headers['x-request-id']);
      assert.match(id, UUID, surface);
      const line = parseLines(logs).find((l) => l.msg === 'unexpected error' && l.reqId === id);
      assert.ok(line, `${surface}: the unexpected error is logged with the request id`);
    }
    await app.close();
  });
});
