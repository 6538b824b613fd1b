/** The curl examples of README, "The HTTP Basic API", replayed unchanged against the HTTP Basic dialect (real argon2id). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { changeBody, curlChange, curlCheck, curlCreate, curlDelete, curlReset } from './seed-curl.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the Basic API\'s curl examples (README, "The HTTP Basic API")', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance();
  });
  after(() => t.close());

  it('Create User: 201 with the new account', async () => {
    const res = await curlCreate(t.app);
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.id, UUID);
    assert.deepEqual({ ...res.body, id: 'x' }, { id: 'x', username: 'juliet@buddycloud.com', email: 'juliet@buddycloud.com' });
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('Check User Credentials: 200 for the right password, 401 with WWW-Authenticate otherwise', async () => {
    const ok = await curlCheck(t.app);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.username, 'juliet@buddycloud.com');
    const bad = await curlCheck(t.app, 'juliet@buddycloud.com', 'romeo-never');
    assert.equal(bad.status, 401);
    assert.equal(bad.headers['www-authenticate'], 'Basic realm="latchkey"');
    assert.equal(bad.body.error, 'unauthorized');
  });

  it('Change Password: 200, then only the new password works', async () => {
    const res = await curlChange(t.app);
    assert.equal(res.status, 200, res.text);
    assert.equal((await curlCheck(t.app)).status, 401);
    assert.equal((await curlCheck(t.app, 'juliet@buddycloud.com', 'new-password')).status, 200);
    const back = await curlChange(t.app, ['juliet@buddycloud.com', 'new-password'], changeBody('juliet@buddycloud.com', 'romeo-forever'));
    assert.equal(back.status, 200, back.text);
  });

  it('SEC-47 Reset Password: 200 with the same bytes for a known and an unknown account', async () => {
    const known = await curlReset(t.app);
    const unknown = await curlReset(t.app, 'nobody@buddycloud.com');
    assert.equal(known.status, 200, known.text);
    assert.equal(unknown.status, 200);
    assert.equal(known.text, unknown.text);
    assert.equal(known.headers['content-type'], unknown.headers['content-type']);
    assert.equal(known.headers['content-length'], unknown.headers['content-length']);
  });

  it('SEC-58 Delete User: 200, then the credentials are refused', async () => {
    const res = await curlDelete(t.app);
    assert.equal(res.status, 200, res.text);
    assert.equal((await curlCheck(t.app)).status, 401);
    assert.equal((await curlDelete(t.app)).status, 401);
  });
});
