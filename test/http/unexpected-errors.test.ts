/**
 * What a client sees when something breaks inside: a bug is a generic 500 envelope that leaks
 * no stack, SQL or path and is logged with its request id; a full hash queue is a 503 with
 * Retry-After; a database that cannot be reached is a 503, never a 401.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { AuthError } from '../../src/core/errors.js';
import type { AccountsService } from '../../src/core/accounts-service.js';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logging.js';
import { isDatabaseUnavailable } from '../../src/store/index.js';
import { call } from '../support/http.js';

function appThrowing(error: unknown, logs: string[] = []) {
  const service = new Proxy({} as AccountsService, {
    get: () => async () => {
      throw error;
    },
  });
  const stream = new Writable({
    write(chunk, _e, done) {
      logs.push(String(chunk));
      done();
    },
  });
  return buildApp({
    service,
    config: loadConfig({}),
    jwks: () => ({ keys: [] }),
    checkReady: async () => true,
    isOutage: isDatabaseUnavailable,
    logger: loggerOptions('info', stream),
  });
}

const LOGIN = { json: { username: 'someone', password: 'some password' } };

describe('unexpected errors', () => {
  it('SEC-63 a bug answers a generic 500 envelope and is logged with the request id', async () => {
    const logs: string[] = [];
    const bug = new Error('relation "accounts" does not exist at /srv/latchkey/src/store/accounts.ts:42');
    const app = appThrowing(bug, logs);
    const res = await call(app, 'POST', '/api/v1/account/login', { ...LOGIN, headers: { 'x-request-id': 'req-123' } });
    assert.equal(res.status, 500);
    assert.equal(res.text, '{"ok":false,"error":{"code":"internal_error","message":"an unexpected error occurred"}}');
    assert.equal(res.headers['x-request-id'], 'req-123');
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'unexpected error');
    assert.equal(line?.reqId, 'req-123');
    assert.match(line?.err?.message, /relation/);
  });

  it('SEC-67a a full hash queue answers 503 with Retry-After', async () => {
    const app = appThrowing(new AuthError('BUSY', 'too many password checks in progress; try again shortly', { retryAfter: 1 }));
    const res = await call(app, 'POST', '/api/v1/account/login', LOGIN);
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(res.body.error.code, 'busy');
  });

  it('SEC-67e an unreachable database answers 503, not 401 or 500', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const app = appThrowing(down);
    for (const [method, url] of [
      ['POST', '/api/v1/account/login'],
      ['GET', '/api/v1/account/me'],
    ] as const) {
      const res = await call(app, method, url, method === 'POST' ? LOGIN : { headers: { authorization: 'Bearer abc.def.ghi' } });
      assert.equal(res.status, 503, url);
      assert.equal(res.body.error.code, 'unavailable');
    }
  });

  it('SEC-66 ignores an unsafe incoming request id and makes its own', async () => {
    const app = appThrowing(new AuthError('NOT_AUTHENTICATED', 'x'));
    const res = await call(app, 'GET', '/api/v1/account/me', { headers: { 'x-request-id': 'bad id\r\nX-Evil: 1' } });
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });
});
