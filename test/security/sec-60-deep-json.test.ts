/**
 * SEC-60 regression (found by the fuzzer under load, docs/security.md#sec-60): a JSON array
 * nested some fifteen thousand levels deep parsed, then overflowed the stack where the admin
 * import turned it back into lines, and came back as a 500. Every JSON body nested deeper than
 * the limit is now refused with a 400 before any route sees it; ordinary nesting still works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const ADMIN_KEY = 'deep-json_admin.key~for/tests+0123456789abcdef';
const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('SEC-60 deeply nested JSON', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { ADMIN_API_KEY: ADMIN_KEY } });
  });
  after(() => t.close());

  it('SEC-60 a JSON array nested 15,000 deep is a 400 on the admin import, never a 500', async () => {
    const res = await call(t.app, 'POST', '/api/v1/admin/import?resume=false', {
      payload: deep(15_000),
      headers: { 'content-type': 'application/json', ...bearer(ADMIN_KEY) },
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(JSON.stringify(res.body), /nest/);
  });

  it('SEC-60 a deeply nested JSON line of an NDJSON import is refused by its line number, never a 500', async () => {
    const res = await call(t.app, 'POST', '/api/v1/admin/import?dryRun=true', {
      payload: `{"username":"ok","email":"ok@example.test"}\n{"username":${deep(15_000)}}\n`,
      headers: { 'content-type': 'application/x-ndjson', ...bearer(ADMIN_KEY) },
    });
    assert.ok(res.status < 500, JSON.stringify(res.body));
  });

  it('SEC-60 deep nesting is a 400 in the format of every JSON surface', async () => {
    const payload = `{"username":${deep(5_000)},"password":"a long enough password"}`;
    for (const url of ['/api/v1/account/login', '/api/account/pw/reset', '/accounts/action/?do=login']) {
      const res = await call(t.app, 'POST', url, { payload, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
    }
  });

  it('SEC-60 nesting within the limit, and brackets inside strings, are ordinary JSON', async () => {
    const res = await call(t.app, 'POST', '/api/v1/admin/import?dryRun=true', {
      payload: JSON.stringify([{ username: 'nested[[[[{{{{', email: 'n@example.test', extra: deep(30) }]),
      headers: { 'content-type': 'application/json', ...bearer(ADMIN_KEY) },
    });
    assert.notEqual(res.status, 500, JSON.stringify(res.body));
    assert.doesNotMatch(JSON.stringify(res.body), /nest/);
  });
});
