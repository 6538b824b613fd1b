/**
 * The admin API's OIDC clients, the same as `latchkey client`: register (the secret shown once,
 * usable at once by a real relying party), list (never a secret), revoke (the client can start
 * no sign-in); every change audited with surface admin; bad input a 400 naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { bearer, call } from '../support/http.js';
import { Agent, authorize, discover, PASSWORD, startOidcInstance, type OidcInstance } from './support.js';

const ADMIN_KEY = 'admin-key-for-the-oidc-client-tests-0123456789';
const APP = 'https://app.example.test/callback';

describe('admin API: OIDC clients', () => {
  let t: OidcInstance;
  const admin = bearer(ADMIN_KEY);

  before(async () => {
    t = await startOidcInstance({ env: { ADMIN_API_KEY: ADMIN_KEY } });
    await t.service.registerAccount({ username: 'alice', password: PASSWORD });
  });
  after(async () => t.close());

  it('registers a client whose secret is shown once and works with an OIDC library', async () => {
    const res = await call(t.app, 'POST', '/api/v1/admin/clients', { json: { name: 'Notes', redirectUris: [APP], firstParty: true }, headers: admin });
    assert.equal(res.status, 201, res.text);
    const { client, secret } = res.body.result;
    assert.match(client.id, /^lkc_/);
    assert.equal(client.type, 'confidential');
    assert.equal(typeof secret, 'string');
    const config = await discover(t.issuer, client.id, secret);
    const run = await authorize(config, new Agent(), t.issuer, APP);
    const tokens = await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    assert.ok(tokens.id_token);

    const list = await call(t.app, 'GET', '/api/v1/admin/clients', { headers: admin });
    assert.equal(list.status, 200);
    const listed = list.body.result.clients.find((c: { id: string }) => c.id === client.id);
    assert.equal(listed.name, 'Notes');
    assert.ok(!list.text.includes(secret), 'the list never shows a secret');
  });

  it('a public client gets no secret; revoking a client stops its sign-ins; both audited with surface admin', async () => {
    const res = await call(t.app, 'POST', '/api/v1/admin/clients', { json: { name: 'Board', redirectUris: ['https://spa.example.test/cb'], public: true, idTokenAlg: 'RS256' }, headers: admin });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.result.secret, null);
    const id = res.body.result.client.id as string;
    const revoked = await call(t.app, 'DELETE', `/api/v1/admin/clients/${id}`, { headers: admin });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.result.client.status, 'revoked');
    assert.equal((await call(t.app, 'DELETE', `/api/v1/admin/clients/${id}`, { headers: admin })).status, 404);
    const auth = await fetch(`${t.issuer}/oidc/auth?client_id=${id}&redirect_uri=${encodeURIComponent('https://spa.example.test/cb')}&response_type=code&scope=openid&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`, { redirect: 'manual' });
    assert.equal(auth.status, 400, 'a revoked client can start no sign-in');
    await t.latchkey.audit.close?.();
    const events = await t.latchkey.database.db.selectFrom('audit_events').select(['type', 'surface']).where('type', 'in', ['oidc_client_add', 'oidc_client_revoke']).execute();
    assert.ok(events.some((e) => e.type === 'oidc_client_add' && e.surface === 'admin'));
    assert.ok(events.some((e) => e.type === 'oidc_client_revoke' && e.surface === 'admin'));
  });

  it('refuses bad input with a 400 naming the field, and anyone without the admin key', async () => {
    const bad = await call(t.app, 'POST', '/api/v1/admin/clients', { json: { name: 'Evil', redirectUris: ['http://evil.example.test/cb'] }, headers: admin });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'redirect_uri');
    const shape = await call(t.app, 'POST', '/api/v1/admin/clients', { json: { name: 'X', redirectUris: 'https://a.example.test/' }, headers: admin });
    assert.equal(shape.status, 400);
    assert.equal((await call(t.app, 'GET', '/api/v1/admin/clients')).status, 401);
    assert.equal((await call(t.app, 'GET', '/api/v1/admin/clients', { headers: bearer('wrong-key') })).status, 401);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.issuer}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    for (const [path, method] of [['/api/v1/admin/clients', 'get'], ['/api/v1/admin/clients', 'post'], ['/api/v1/admin/clients/{id}', 'delete']] as const) {
      assert.deepEqual(doc.paths[path]?.[method]?.tags, ['admin'], `${method} ${path}`);
    }
  });
});
