/**
 * Bad input on the JWT API: every case gets a 4xx in the {"ok":false,"error":{...}} envelope,
 * never a 500, never a hang, never a partial row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const REGISTER = '/api/v1/account/register';

describe('JWT API bad input', () => {
  let t: TestInstance;
  before(async () => {
    // The production argon2id pool: "never truncates" and the Unicode passwords below are
    // properties of the real hasher (test/security/pin-password-no-truncation.test.ts pins each layer).
    t = await createTestInstance();
  });
  after(() => t.close());

  async function expectError(
    res: Promise<{ status: number; body: any }>,
    status: number,
    code: string,
    field?: string,
  ): Promise<void> {
    const r = await res;
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.ok, false);
    assert.equal(r.body.error.code, code);
    assert.equal(typeof r.body.error.message, 'string');
    if (field !== undefined) assert.equal(r.body.error.field, field);
  }

  const reg = (json: unknown) => call(t.app, 'POST', REGISTER, { json });

  it('SEC-60 names a missing field', async () => {
    await expectError(reg({ username: 'x' }), 400, 'invalid_input', 'password');
    await expectError(reg({ password: 'long enough' }), 400, 'invalid_input', 'username');
  });

  it('SEC-13/60 rejects unknown fields instead of ignoring them (no mass assignment)', async () => {
    await expectError(reg({ username: 'u1', password: 'long enough', is_staff: true }), 400, 'invalid_input', 'is_staff');
    await expectError(reg({ username: 'u1', password: 'long enough', status: 'active' }), 400, 'invalid_input', 'status');
  });

  it('SEC-60 rejects wrong types without coercing them', async () => {
    await expectError(reg({ username: 'u1', password: 12345678 }), 400, 'invalid_input', 'password');
    await expectError(reg({ username: 'u1', password: ['a', 'b'] }), 400, 'invalid_input', 'password');
    await expectError(reg({ username: { $ne: null }, password: 'long enough' }), 400, 'invalid_input', 'username');
    await expectError(reg([1, 2]), 400, 'invalid_input');
    await expectError(reg('just a string'), 400, 'invalid_input');
    await expectError(reg(null), 400, 'invalid_input');
  });

  it('SEC-1 rejects a password shorter than 8 characters and accepts exactly 8 code points, counted in Unicode', async () => {
    await expectError(reg({ username: 'shorty', password: 'seven77' }), 400, 'weak_password', 'password');
    assert.equal((await reg({ username: 'eight', password: 'eight8x8' })).status, 200);
    assert.equal((await reg({ username: 'emoji', password: '🦊🌵🎻🚲🍉🧭🐙🔑' })).status, 200);
  });

  it('SEC-2 rejects a username or password over 1023 bytes, and never truncates', async () => {
    await expectError(reg({ username: 'é'.repeat(600), password: 'long enough' }), 400, 'invalid_input', 'username');
    await expectError(reg({ username: 'big', password: '€'.repeat(400) }), 400, 'invalid_input', 'password');
    await expectError(reg({ username: 'x'.repeat(1024), password: 'long enough' }), 400, 'invalid_input', 'username');
    const long = 'correct horse battery staple '.repeat(4).slice(0, 100);
    assert.equal((await reg({ username: 'longpw', password: long })).status, 200);
    const cut = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'longpw', password: long.slice(0, 72) } });
    assert.equal(cut.status, 401);
    const whole = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'longpw', password: long } });
    assert.equal(whole.status, 200, 'control: the whole password logs in');
  });

  it('SEC-60 rejects usernames with whitespace, control characters or NUL, and passwords with NUL', async () => {
    for (const username of ['has space', 'tab\there', 'nl\nx', '', 'zero\u200bwidth']) {
      await expectError(reg({ username, password: 'long enough' }), 400, 'invalid_input', 'username');
    }
    // A NUL anywhere in a JSON body is refused before parsing (PostgreSQL cannot store it in text).
    await expectError(reg({ username: 'nul\u0000x', password: 'long enough' }), 400, 'invalid_utf8');
    await expectError(reg({ username: 'nulpw', password: 'long\u0000enough' }), 400, 'invalid_utf8');
  });

  it('SEC-60/63 answers malformed JSON, an empty body and invalid UTF-8 with 400', async () => {
    const headers = { 'content-type': 'application/json' };
    await expectError(call(t.app, 'POST', REGISTER, { headers, payload: '{"username": "x", ' }), 400, 'invalid_json');
    await expectError(call(t.app, 'POST', REGISTER, { headers, payload: '' }), 400, 'invalid_input');
    const bad = Buffer.concat([Buffer.from('{"username":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","password":"long enough"}')]);
    await expectError(call(t.app, 'POST', REGISTER, { headers, payload: bad }), 400, 'invalid_utf8');
  });

  it('SEC-60 refuses prototype-poisoning keys', async () => {
    const headers = { 'content-type': 'application/json' };
    const payload = '{"username":"proto","password":"long enough","__proto__":{"admin":true}}';
    const res = await call(t.app, 'POST', REGISTER, { headers, payload });
    assert.equal(res.status, 400);
  });

  it('SEC-61 answers a body over 64 KiB with 413 quickly and a text/plain body with 415', async () => {
    const started = performance.now();
    await expectError(reg({ username: 'huge', password: 'x'.repeat(100_000) }), 413, 'payload_too_large');
    // The 413 comes from the body limit, before parsing or hashing; the bound is loose for a loaded
    // machine (it catches a hang), the figure is printed.
    const took = performance.now() - started;
    console.log(`# 413 for a 100 KB body after ${took.toFixed(0)} ms`);
    assert.ok(took < 5000, `413 after ${took.toFixed(0)} ms`);
    await expectError(
      call(t.app, 'POST', REGISTER, { headers: { 'content-type': 'text/plain' }, payload: 'username=x' }),
      415,
      'unsupported_media_type',
    );
  });

  it('SEC-61 answers deeply nested JSON with a 4xx', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const res = await call(t.app, 'POST', REGISTER, { headers: { 'content-type': 'application/json' }, payload: deep });
    assert.ok(res.status >= 400 && res.status < 500, String(res.status));
  });

  it('SEC-62 answers SQL-looking identifiers like any other (parameterized queries)', async () => {
    for (const username of ["'OR'1'='1'--", '";DROP_TABLE_accounts;--', '%', '_']) {
      const res = await call(t.app, 'POST', '/api/v1/account/login', { json: { username, password: 'long enough' } });
      assert.equal(res.status, 401, username);
    }
    assert.equal((await reg({ username: '%', password: 'long enough' })).status, 200);
    assert.equal((await reg({ username: '_', password: 'long enough' })).status, 200);
  });

  it('SEC-67c leaves no partial row behind a rejected registration', async () => {
    const before = await t.latchkey.database.db.selectFrom('accounts').select(({ fn }) => fn.countAll().as('n')).executeTakeFirstOrThrow();
    await reg({ username: 'partial', password: 'short' });
    await reg({ username: 'partial', password: 'long enough', extra: 1 });
    const after = await t.latchkey.database.db.selectFrom('accounts').select(({ fn }) => fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });

  it('SEC-63 answers an unknown route with a 404 envelope and the service stays healthy', async () => {
    const res = await call(t.app, 'GET', '/api/v1/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
    assert.equal((await call(t.app, 'GET', '/healthz')).status, 200);
    assert.equal((await call(t.app, 'GET', '/readyz')).status, 200);
  });
});
