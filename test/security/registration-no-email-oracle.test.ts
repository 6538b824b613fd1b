/**
 * Registration must not tell whether an email has an account (docs/security.md, "Registration
 * and taken identifiers"): a taken username and a taken email are one answer on the JSON and
 * Basic APIs (same status, same bytes), every such answer counts in the per-address
 * registration budget, and the owner of a taken email is notified, as the email-only sign-up
 * does. What remains (a free username with a taken email is refused) is bounded by that budget.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mailTo } from '../core/outbox-reader.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const PASSWORD = 'a long enough password 1';

describe('registration answers a taken username and a taken email alike', () => {
  let t: TestInstance;
  let ip = 0;
  // Each probe from its own address, so the budget test below is the only one to meet the limit.
  const from = () => `10.2.${Math.floor(ip / 250)}.${(ip++ % 250) + 1}`;
  const json = (body: object, remoteAddress = from()) =>
    t.app.inject({ method: 'POST', url: '/api/v1/account/register', remoteAddress, headers: { 'content-type': 'application/json' }, payload: body });
  const basic = (body: object, remoteAddress = from()) =>
    t.app.inject({ method: 'POST', url: '/api/account', remoteAddress, headers: { 'content-type': 'application/json' }, payload: body });

  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { REGISTRATION_PER_IP_HOUR: '5' } });
    assert.equal((await json({ username: 'alice', password: PASSWORD, email: 'alice@example.com' })).statusCode, 200);
    assert.equal((await basic({ username: 'juliet@buddy.example', password: PASSWORD, email: 'juliet@example.com' })).statusCode, 201);
  });
  after(() => t.close());

  it('JSON register: taken username with a known or an unknown email, and a free username with a known email, answer the same bytes', async () => {
    const answers = [
      await json({ username: 'alice', password: PASSWORD, email: 'nobody@example.com' }),
      await json({ username: 'ALICE', password: PASSWORD, email: 'alice@example.com' }),
      await json({ username: 'alice-new', password: PASSWORD, email: 'Alice@Example.com' }),
      await json({ username: 'alice', password: PASSWORD }),
    ];
    for (const res of answers) {
      assert.equal(res.statusCode, 409);
      assert.equal(res.body, answers[0]!.body);
    }
    assert.deepEqual(JSON.parse(answers[0]!.body), {
      ok: false,
      error: { code: 'username_taken', message: 'this username or email address is already in use' },
    });
  });

  it('Basic POST /api/account: the same for a taken username and a taken email', async () => {
    const answers = [
      await basic({ username: 'juliet@buddy.example', password: PASSWORD, email: 'nobody@example.com' }),
      await basic({ username: 'Juliet@Buddy.example', password: PASSWORD, email: 'juliet@example.com' }),
      await basic({ username: 'romeo@buddy.example', password: PASSWORD, email: 'JULIET@example.com' }),
    ];
    for (const res of answers) {
      assert.equal(res.statusCode, 409);
      assert.equal(res.body, answers[0]!.body);
    }
    assert.deepEqual(JSON.parse(answers[0]!.body), { error: 'username_taken', message: 'this username or email address is already in use' });
  });

  it("notifies the taken email's owner (within the address's mail budget), never the registrant's other address", async () => {
    const alice = await mailTo(t, 'alice@example.com', 'signup_attempt');
    assert.equal(alice.length, 1, 'one notice: the mail budget allows one a minute');
    assert.equal((await mailTo(t, 'juliet@example.com', 'signup_attempt')).length, 1);
    assert.equal((await mailTo(t, 'nobody@example.com', 'signup_attempt')).length, 0, 'a free email gets nothing');
    t.clock.advance(61_000);
    await json({ username: 'alice-other', password: PASSWORD, email: 'alice@example.com' });
    assert.equal((await mailTo(t, 'alice@example.com', 'signup_attempt')).length, 2);
  });

  it('every taken answer counts in the per-address registration budget', async () => {
    const address = '10.9.9.9';
    for (let i = 0; i < 5; i++) {
      const res = await json({ username: 'alice', password: PASSWORD, email: `probe${i}@example.com` }, address);
      assert.equal(res.statusCode, 409, `attempt ${i}`);
    }
    const refused = await json({ username: `fresh-${Date.now()}`, password: PASSWORD, email: 'alice@example.com' }, address);
    assert.equal(refused.statusCode, 429, refused.body);
    assert.equal((await basic({ username: 'x@buddy.example', password: PASSWORD, email: 'juliet@example.com' }, address)).statusCode, 429);
  });
});
