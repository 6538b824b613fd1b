/**
 * TOTP and recovery codes on the JWT API: enrolment, the login's second step, clock skew,
 * replay, wrong codes in the login throttle, single-use recovery codes, the owner's proof for
 * changes, and Basic refusing the password of such an account. Codes are computed in the test
 * from the enrolled secret, as an authenticator app would. SQLite, and PostgreSQL with
 * TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call, type JsonResponse } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register, type Pair } from '../support/jwt-api.js';
import { deleteExpiredRows } from '../../src/store/cleanup.js';
import { codeAt, enrolTotp, type Enrolled } from './helpers.js';

const PASSWORD = 'second factor password';

const passwordStep = (t: TestInstance, username: string, password = PASSWORD): Promise<JsonResponse> =>
  call(t.app, 'POST', '/api/v1/account/login', { json: { username, password } });
const secondStep = (t: TestInstance, mfaToken: string, code: string): Promise<JsonResponse> =>
  call(t.app, 'POST', '/api/v1/account/login/mfa', { json: { mfaToken, code } });

/** The password step of an account with TOTP: asserts `401 mfa_required` and returns the token. */
async function mfaToken(t: TestInstance, username: string): Promise<string> {
  const res = await passwordStep(t, username);
  assert.equal(res.status, 401, res.text);
  assert.equal(res.body.error.code, 'mfa_required');
  assert.deepEqual(res.body.error.methods, ['totp', 'recovery_code']);
  assert.equal(typeof res.body.error.mfaToken, 'string');
  return res.body.error.mfaToken as string;
}

describe('TOTP on the JWT API', () => {
  let t: TestInstance;
  let enrolled: Enrolled;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) await register(t.app, name, PASSWORD);
    enrolled = await enrolTotp(t.app, t.clock, await login(t.app, 'alice', PASSWORD), PASSWORD);
  });
  after(() => t.close());

  it('a password alone no longer logs in: the code completes the login, and the session records pwd and otp', async () => {
    t.clock.advance(30_000);
    const token = await mfaToken(t, 'alice');
    const res = await secondStep(t, token, codeAt(enrolled.secret, t.clock));
    assert.equal(res.status, 200, res.text);
    const pair = res.body.result.token as Pair;
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).body.result.username, 'alice');
    const session = await t.latchkey.stores.sessions.findById(t.latchkey.stores.uow.db, decodeJwt(pair.access).payload.sid);
    assert.deepEqual(session?.amr, ['pwd', 'otp']);
    const key = (await t.latchkey.services.addServiceKey('mfa-reader')).credential;
    const seen = await call(t.app, 'POST', '/api/v1/introspect', { json: { token: pair.access }, headers: bearer(key) });
    assert.deepEqual(seen.body.result.amr, ['pwd', 'otp'], 'introspection reports the factors');
    assert.equal((await secondStep(t, token, codeAt(enrolled.secret, t.clock, 1))).body.error.code, 'invalid_token', 'the step token is single use');
  });

  it('pending steps are removed by the cleanup a day after they expire', async () => {
    await passwordStep(t, 'alice');
    const db = t.latchkey.database.db;
    const pending = Number((await db.selectFrom('mfa_challenges').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    assert.ok(pending > 0);
    const report = await deleteExpiredRows(t.latchkey.database, t.clock.now() + 86_400_000 + 600_000);
    assert.equal(report.mfaChallenges, pending);
  });

  it('accepts one step of clock skew either way, not two', async () => {
    t.clock.advance(90_000);
    assert.equal((await secondStep(t, await mfaToken(t, 'alice'), codeAt(enrolled.secret, t.clock, -1))).status, 200);
    t.clock.advance(90_000);
    assert.equal((await secondStep(t, await mfaToken(t, 'alice'), codeAt(enrolled.secret, t.clock, 1))).status, 200);
    t.clock.advance(90_000);
    const far = await secondStep(t, await mfaToken(t, 'alice'), codeAt(enrolled.secret, t.clock, -2));
    assert.equal(far.status, 401);
    assert.equal(far.body.error.code, 'invalid_credentials');
  });

  it('refuses a code used once already, even in another login', async () => {
    t.clock.advance(90_000);
    const code = codeAt(enrolled.secret, t.clock);
    assert.equal((await secondStep(t, await mfaToken(t, 'alice'), code)).status, 200);
    const replay = await secondStep(t, await mfaToken(t, 'alice'), code);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error.code, 'invalid_credentials');
  });

  it('the step token only works from the address that gave the password', async () => {
    t.clock.advance(90_000);
    const token = await mfaToken(t, 'alice');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/account/login/mfa', remoteAddress: '203.0.113.9', payload: { mfaToken: token, code: codeAt(enrolled.secret, t.clock) } });
    assert.equal(res.statusCode, 401);
    assert.equal(JSON.parse(res.body).error.code, 'invalid_token');
  });

  it('a recovery code signs in once; its use is audited and mailed', async () => {
    const code = enrolled.recoveryCodes[0] as string;
    assert.match(code, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    assert.equal(enrolled.recoveryCodes.length, 10);
    assert.equal((await secondStep(t, await mfaToken(t, 'alice'), code.toUpperCase())).status, 200);
    const again = await secondStep(t, await mfaToken(t, 'alice'), code);
    assert.equal(again.body.error.code, 'invalid_credentials');
    const db = t.latchkey.database.db;
    const events = await db.selectFrom('audit_events').select(['type', 'detail']).where('type', '=', 'recovery_code_used').execute();
    assert.equal(events.length, 1);
    assert.equal(JSON.parse(events[0]?.detail ?? '{}').left, 9);
    const mails = await db.selectFrom('outbox').select('template').where('template', '=', 'recovery_code_used').execute();
    assert.equal(mails.length, 0, 'alice has no email: nothing to mail');
  });

  it('wrong codes count in the login throttle and five kill the step token', async () => {
    const { secret } = await enrolTotp(t.app, t.clock, await login(t.app, 'bob', PASSWORD), PASSWORD);
    const token = await mfaToken(t, 'bob');
    for (let i = 0; i < 5; i++) assert.equal((await secondStep(t, token, '000000')).body.error.code, 'invalid_credentials');
    assert.equal((await secondStep(t, token, codeAt(secret, t.clock, 1))).body.error.code, 'invalid_token', 'the sixth try finds the token dead');
    const fresh = await mfaToken(t, 'bob'); // the right password does not forget the wrong codes
    assert.equal((await secondStep(t, fresh, '000000')).status, 401);
    const blocked = await secondStep(t, fresh, codeAt(secret, t.clock, 1));
    assert.equal(blocked.status, 429, blocked.text);
    assert.equal((await passwordStep(t, 'bob')).status, 429, 'the password step is blocked too: one throttle');
  });

  it('Basic refuses the password of an account with a second factor, with a clear error', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/', headers: { authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` } });
    assert.equal(res.statusCode, 401);
    assert.match(res.body, /second factor/);
  });

  it('the TOTP secret is sealed at rest', async () => {
    const row = await t.latchkey.database.db.selectFrom('mfa_factors').select('secret').limit(1).executeTakeFirstOrThrow();
    assert.match(row.secret, /^mk1:/);
    assert.ok(!row.secret.includes(enrolled.secret));
  });

  it('turning TOTP off needs the password and a code; then the password alone logs in again', async () => {
    const { secret } = await enrolTotp(t.app, t.clock, await login(t.app, 'carol', PASSWORD), PASSWORD);
    t.clock.advance(60_000);
    const pair = (await secondStep(t, await mfaToken(t, 'carol'), codeAt(secret, t.clock))).body.result.token as Pair;
    const off = (json: object) => call(t.app, 'POST', '/api/v1/account/mfa/totp/disable', { json, headers: bearer(pair.access) });
    assert.equal((await off({ password: PASSWORD, code: '123456' })).body.error.code, 'invalid_credentials');
    assert.equal((await off({ password: 'not the password', code: codeAt(secret, t.clock, 1) })).body.error.code, 'invalid_credentials');
    assert.equal((await off({ password: PASSWORD })).status, 400, 'the code is required');
    assert.equal((await off({ password: PASSWORD, code: codeAt(secret, t.clock, 1) })).status, 200);
    assert.equal((await passwordStep(t, 'carol')).status, 200);
    const status = await call(t.app, 'GET', '/api/v1/account/mfa', { headers: bearer(pair.access) });
    assert.deepEqual(status.body.result, { totp: false, passkeys: 0, recoveryCodesLeft: 0 });
  });

  it('enrolment is on only after a valid first code, and new recovery codes replace the old', async () => {
    const pair = await login(t.app, 'dave', PASSWORD);
    const start = await call(t.app, 'POST', '/api/v1/account/mfa/totp', { json: { password: PASSWORD }, headers: bearer(pair.access) });
    assert.match(start.body.result.uri, /^otpauth:\/\/totp\/.*dave.*secret=/);
    assert.equal((await passwordStep(t, 'dave')).status, 200, 'not on before it is confirmed');
    const wrong = await call(t.app, 'POST', '/api/v1/account/mfa/totp/confirm', { json: { code: '000000' }, headers: bearer(pair.access) });
    assert.equal(wrong.body.error.code, 'invalid_credentials');
    const secret = start.body.result.secret as string;
    const first = await call(t.app, 'POST', '/api/v1/account/mfa/totp/confirm', { json: { code: codeAt(secret, t.clock) }, headers: bearer(pair.access) });
    const old = first.body.result.recoveryCodes as string[];
    t.clock.advance(30_000);
    const regen = await call(t.app, 'POST', '/api/v1/account/mfa/recovery-codes', { json: { password: PASSWORD, code: codeAt(secret, t.clock) }, headers: bearer(pair.access) });
    assert.equal(regen.status, 200, regen.text);
    assert.equal((await secondStep(t, await mfaToken(t, 'dave'), old[1] as string)).body.error.code, 'invalid_credentials', 'old codes are gone');
    assert.equal((await secondStep(t, await mfaToken(t, 'dave'), regen.body.result.recoveryCodes[1])).status, 200);
  });
});
