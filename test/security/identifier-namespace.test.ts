/**
 * One namespace of login identifiers (docs/decisions.md): no account's username equals another
 * account's email, whatever the path that creates the account or its case. The attack: an
 * email-only account signs in with its email; anyone registers that email, in upper case, as
 * the username of a new account, and from then on the victim's login by email fails and a reset
 * for the victim's address is mailed to the attacker. Tried here on every creating path (JSON
 * register, Basic `POST /api/account`, cookie API `create`, the `/signup` page, the admin API),
 * after the victim signs up and before (squatting), in both directions (a username that is an
 * email, an email that is a username), and racing on the database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { action } from '../cookie/helpers.js';
import { lastToken, mailTo } from '../core/outbox-reader.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const ADMIN_KEY = 'adm1n-Key_for.the~identifier-namespace-tests-0123';
const PASSWORD = 'a long enough password 1';
const basicCreate = (t: TestInstance, body: object) => call(t.app, 'POST', '/api/account', { json: body });
const jsonRegister = (t: TestInstance, body: object) => call(t.app, 'POST', '/api/v1/account/register', { json: body });
const adminAdd = (t: TestInstance, body: object) => call(t.app, 'POST', '/api/v1/admin/users', { json: body, headers: bearer(ADMIN_KEY) });
const jsonLogin = (t: TestInstance, username: string, password: string) => call(t.app, 'POST', '/api/v1/account/login', { json: { username, password } });

/** Pairs of distinct accounts where one's username is the other's email: must always be empty. */
async function crossings(t: TestInstance): Promise<Array<{ a: string; b: string }>> {
  const { rows } = await sql<{ a: string; b: string }>`select a.id as a, b.id as b from accounts a join accounts b
    on a.username_key = b.email_key and a.id <> b.id`.execute(t.latchkey.database.db);
  return rows;
}

/** How many accounts hold `key` as username or email. */
async function holders(t: TestInstance, key: string): Promise<number> {
  const rows = await t.latchkey.database.db
    .selectFrom('accounts')
    .select('id')
    .where((eb) => eb.or([eb('username_key', '=', key), eb('email_key', '=', key)]))
    .execute();
  return rows.length;
}

async function signupPage(t: TestInstance, email: string): Promise<number> {
  const jar = new CookieJar();
  const form = await getPage(t.app, jar, '/signup');
  const res = await postForm(t.app, jar, '/signup', { csrf: hiddenField(form.text, 'csrf'), email });
  return res.status;
}

/** An email-only account, signed up through the cookie API and confirmed: it logs in with its email. */
async function emailOnlyVictim(t: TestInstance, email: string): Promise<void> {
  assert.equal((await action(t.app, new CookieJar(), 'create', { email })).status, 200);
  await t.service.confirmAccount(await lastToken(t, email, 'confirm_account'), PASSWORD);
  assert.equal((await jsonLogin(t, email, PASSWORD)).status, 200, 'the victim logs in by email');
}

describe('one namespace of login identifiers', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { ADMIN_API_KEY: ADMIN_KEY } });
  });
  after(() => t.close());

  it("refuses another account's email as a username on every creating path, in any case, after the victim signed up", async () => {
    const victim = 'victim@example.com';
    await emailOnlyVictim(t, victim);
    const upper = victim.toUpperCase();
    const json = await jsonRegister(t, { username: upper, password: 'attacker password 1', email: 'attacker1@evil.example' });
    assert.equal(json.status, 409, json.text);
    assert.equal(json.body.error.code, 'username_taken');
    const basic = await basicCreate(t, { username: upper, password: 'attacker password 2', email: 'attacker2@evil.example' });
    assert.equal(basic.status, 409, basic.text);
    assert.equal(basic.body.error, 'username_taken');
    const admin = await adminAdd(t, { username: upper, email: 'attacker3@evil.example', password: 'attacker password 3' });
    assert.equal(admin.status, 409, admin.text);
    assert.equal(admin.body.error.code, 'username_taken');
    assert.equal(admin.body.error.field, 'username');

    assert.equal(await holders(t, victim), 1, 'only the victim holds the address');
    assert.deepEqual(await crossings(t), []);
    assert.equal((await jsonLogin(t, victim, PASSWORD)).status, 200, 'the victim still logs in by email');
    assert.equal((await jsonLogin(t, upper, 'attacker password 1')).status, 401);
    // An operator's lookup by the address finds the victim.
    const shown = await call(t.app, 'GET', `/api/v1/admin/users/${encodeURIComponent(upper)}`, { headers: bearer(ADMIN_KEY) });
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.body.result.user.email, victim);
    // A reset for the victim's address goes to the victim, never to an attacker's address.
    assert.equal((await call(t.app, 'POST', '/api/account/pw/reset', { json: { username: upper } })).status, 200);
    assert.equal((await mailTo(t, victim, 'reset_password')).length, 1);
    for (const n of [1, 2, 3]) assert.equal((await mailTo(t, `attacker${n}@evil.example`, 'reset_password')).length, 0);
  });

  it("squatting: an email-shaped username taken first leaves the address's later sign-up without a second holder, and notifies the address", async () => {
    // Squatted on three paths, then the address signs up on three others.
    const squats: Array<[string, (u: string) => Promise<{ status: number }>, (e: string) => Promise<void>]> = [
      ['carol@example.com', (u) => jsonRegister(t, { username: u, password: 'squatter password 1' }), async (e) => {
        assert.equal((await action(t.app, new CookieJar(), 'create', { email: e })).status, 200);
      }],
      ['dan@example.com', (u) => basicCreate(t, { username: u, password: 'squatter password 2' }), async (e) => {
        assert.equal(await signupPage(t, e), 200);
      }],
      ['erin@example.com', (u) => adminAdd(t, { username: u, password: 'squatter password 3' }), async (e) => {
        const res = await adminAdd(t, { email: e });
        assert.equal(res.status, 409, res.text);
        assert.equal(res.body.error.code, 'email_taken');
      }],
    ];
    for (const [address, squat, signUp] of squats) {
      const taken = await squat(address.toUpperCase());
      assert.ok(taken.status === 200 || taken.status === 201, `squat on ${address}: ${taken.status}`);
      await signUp(address);
      assert.equal(await holders(t, address), 1, `${address} has one holder`);
    }
    assert.deepEqual(await crossings(t), []);
    // The mailbox of each address that signed up by email is told; no confirmation link was made.
    for (const address of ['carol@example.com', 'dan@example.com']) {
      assert.equal((await mailTo(t, address, 'signup_attempt')).length, 1, address);
      assert.equal((await mailTo(t, address, 'confirm_account')).length, 0, address);
    }
  });

  it("refuses another account's username as an email on every creating path", async () => {
    const owner = 'frank@corp.example';
    assert.equal((await basicCreate(t, { username: owner, password: PASSWORD })).status, 201);
    const upper = owner.toUpperCase();
    const json = await jsonRegister(t, { username: 'frank-two', password: 'other password 1', email: upper });
    assert.equal(json.status, 409, json.text);
    const basic = await basicCreate(t, { username: 'frank3@corp.example', password: 'other password 2', email: upper });
    assert.equal(basic.status, 409, basic.text);
    assert.equal((await action(t.app, new CookieJar(), 'create', { email: upper })).status, 200);
    assert.equal(await signupPage(t, upper), 200);
    const admin = await adminAdd(t, { username: 'frank4', email: upper });
    assert.equal(admin.status, 409, admin.text);
    assert.equal(admin.body.error.field, 'email');
    assert.equal(await holders(t, owner), 1);
    assert.deepEqual(await crossings(t), []);
    assert.equal((await jsonLogin(t, upper, PASSWORD)).status, 200, 'the owner still logs in');
  });

  it('lets one account use the same text as username and email', async () => {
    const res = await jsonRegister(t, { username: 'grace@example.com', password: PASSWORD, email: 'GRACE@example.com' });
    assert.equal(res.status, 200, res.text);
    const basic = await basicCreate(t, { username: 'heidi@example.com', password: PASSWORD, email: 'heidi@EXAMPLE.com' });
    assert.equal(basic.status, 201, basic.text);
    for (const id of ['grace@example.com', 'GRACE@EXAMPLE.COM', 'heidi@example.com']) assert.equal((await jsonLogin(t, id, PASSWORD)).status, 200, id);
  });

  it('a deleted account frees its identifiers', async () => {
    const login = await jsonLogin(t, 'grace@example.com', PASSWORD);
    assert.equal((await call(t.app, 'DELETE', '/api/account', { headers: { authorization: `Basic ${Buffer.from(`grace@example.com:${PASSWORD}`).toString('base64')}` } })).status, 200, login.text);
    const again = await jsonRegister(t, { username: 'someone-else', password: PASSWORD, email: 'grace@example.com' });
    assert.equal(again.status, 200, again.text);
  });

  it('racing claims of one identifier, as a username and as an email, leave exactly one holder', async () => {
    for (let round = 0; round < 8; round++) {
      const id = `race${round}@example.com`;
      const results = await Promise.all([
        jsonRegister(t, { username: id, password: PASSWORD }),
        action(t.app, new CookieJar(), 'create', { email: id }),
        jsonRegister(t, { username: `other-${round}`, password: PASSWORD, email: id.toUpperCase() }),
        adminAdd(t, { email: id }),
      ]);
      assert.ok(results.every((r) => r.status < 500), results.map((r) => `${r.status} ${r.text}`).join('\n'));
      assert.equal(await holders(t, id), 1, `round ${round}: ${results.map((r) => r.status).join(',')}`);
    }
    assert.deepEqual(await crossings(t), []);
  });

  it("refuses a rename (admin API) into another account's email or username; a free name works and logs in", async () => {
    const created = await adminAdd(t, { username: 'ivan', password: PASSWORD });
    const id = created.body.result.user.id as string;
    const rename = (username: string | null) => call(t.app, 'PUT', `/api/v1/admin/users/${id}/username`, { json: { username }, headers: bearer(ADMIN_KEY) });
    for (const taken of ['VICTIM@example.com', 'Frank@Corp.Example']) {
      const res = await rename(taken);
      assert.equal(res.status, 409, res.text);
      assert.equal(res.body.error.code, 'username_taken');
    }
    assert.equal((await rename(null)).status, 400, 'an account without an email keeps a username');
    const ok = await rename('ivan@example.com');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.result.user.username, 'ivan@example.com');
    assert.equal((await jsonLogin(t, 'IVAN@example.com', PASSWORD)).status, 200);
    assert.equal((await jsonLogin(t, 'ivan', PASSWORD)).status, 401, 'the old name no longer logs in');
    assert.deepEqual(await crossings(t), []);
  });
});
