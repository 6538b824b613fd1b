/** SEC-14: racing registrations of one name produce exactly one account and clean 409s (argon2id). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

describe('registration race', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance();
  });
  after(() => t.close());

  it('SEC-14 20 concurrent registrations of one name (in several spellings) create exactly one account and 19 409s', async () => {
    const spellings = ['Alice@Example.com', 'alice@example.com', 'ALICE@EXAMPLE.COM', 'ａｌｉｃｅ@example.com'];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(t.app, 'POST', '/api/v1/account/register', { json: { username: spellings[i % spellings.length], password: `verona-balcony-${i}` } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(19).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.error.code, 'username_taken');
    const rows = await t.latchkey.database.db.selectFrom('accounts').select('id').where('username_key', '=', 'alice@example.com').execute();
    assert.equal(rows.length, 1);
    // The winner's password is the one that works.
    const winner = results.findIndex((r) => r.status === 200);
    const ok = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'alice@example.com', password: `verona-balcony-${winner}` } });
    assert.equal(ok.status, 200);
  });
});
