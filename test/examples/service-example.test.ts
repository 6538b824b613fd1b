/**
 * examples/service, run as a user would: Latchkey listens on a loopback port, the example
 * service runs as its own `node` process against it, and the test talks to both over HTTP.
 * Both ways of identifying a user are exercised: offline JWT verification with the JWKS, and
 * introspection with a service key (which alone sees a logout before the token expires).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { action, loginJar } from '../cookie/helpers.js';
import type { CookieJar } from '../support/cookie-jar.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { decodeJwt, login, register, type Pair } from '../support/jwt-api.js';

const PASSWORD = 'Tangerine-Kettle-81';
const ISSUER = 'http://localhost:3000'; // the test instance's PUBLIC_URL, hence its JWT issuer

/** Starts examples/service/server.mjs and resolves to its address once it listens. */
function startExample(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['examples/service/server.mjs'], { env: { PATH: process.env.PATH ?? '', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk) => (err += String(chunk)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example did not start: ${err}`)), 15_000);
    child.on('exit', (code) => reject(new Error(`the example exited with ${code}: ${err}`)));
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] as string, stderr: () => err });
      }
    });
  });
}

/** Signs a JWT with a private JWK, as an attacker holding some key (or a buggy issuer) would. */
function signJwt(privateJwk: Record<string, unknown>, header: object, payload: object): string {
  const enc = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${enc(header)}.${enc(payload)}`;
  const key = createPrivateKey({ key: privateJwk as never, format: 'jwk' });
  return `${data}.${sign(null, Buffer.from(data), key).toString('base64url')}`;
}

describe('examples/service against a running Latchkey (argon2id)', () => {
  let t: TestInstance;
  let example: Awaited<ReturnType<typeof startExample>>;
  let pair: Pair;
  let jar: CookieJar;
  let uuid: string;
  let serviceKey: string;

  const get = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${example.url}${path}`, { headers });
    return { status: res.status, body: await res.json() };
  };

  before(async () => {
    t = await createTestInstance();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    serviceKey = (await t.latchkey.services.addServiceKey('example')).credential;
    example = await startExample({
      LATCHKEY_URL: `http://127.0.0.1:${port}`,
      LATCHKEY_ISSUER: ISSUER,
      LATCHKEY_SERVICE_KEY: serviceKey,
      JWKS_REFETCH_INTERVAL_MS: '0',
    });
    await register(t.app, 'alice', PASSWORD);
    pair = await login(t.app, 'alice', PASSWORD);
    jar = await loginJar(t.app, 'alice', PASSWORD);
    uuid = (await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).body.result.id;
  });
  after(async () => {
    example?.child.kill('SIGTERM');
    await t.close();
  });

  it('verifies an access token offline with the JWKS and names its user', async () => {
    const res = await get('/me', bearer(pair.access));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { user: uuid, expires: decodeJwt(pair.access).payload.exp, checked: 'offline' });
    assert.equal((await get('/me')).status, 401, 'no token');
  });

  it('refuses offline a tampered token, a token of another type, issuer or key, and an expired one', async () => {
    const [signing] = await t.latchkey.stores.keys.listSigningKeys(t.latchkey.stores.uow.db);
    const privateJwk = JSON.parse(signing!.privateJwk) as Record<string, unknown>;
    const { header, payload } = decodeJwt(pair.access);
    const now = Math.floor(Date.now() / 1000);
    const [h, p, s] = pair.access.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ ...payload, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    const cases: Array<[string, string]> = [
      ['the real token, re-signed: control', signJwt(privateJwk, header, payload)],
      ['payload swapped under the real signature', `${h}.${otherPayload}.${s}`],
      ['typ JWT (not an access token)', signJwt(privateJwk, { ...header, typ: 'JWT' }, payload)],
      ['another issuer', signJwt(privateJwk, header, { ...payload, iss: 'https://evil.example' })],
      ['expired', signJwt(privateJwk, header, { ...payload, iat: now - 3600, exp: now - 60 })],
      ['alg none', `${Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url')}.${p}.`],
      ['unknown kid', signJwt(privateJwk, { ...header, kid: 'made-up' }, payload)],
      ['junk', 'not-a-token'],
    ];
    for (const [what, token] of cases) {
      const res = await get('/me', bearer(token));
      assert.equal(res.status, what.endsWith('control') ? 200 : 401, `${what}: ${JSON.stringify(res.body)}`);
    }
  });

  it('picks up a rotated signing key by refetching the JWKS for an unknown kid', async () => {
    t.clock.advance(1000); // the new key must be the newest (keys are ordered by creation time)
    const kid = await t.latchkey.signer.rotate();
    const fresh = await login(t.app, 'alice', PASSWORD);
    assert.equal(decodeJwt(fresh.access).header.kid, kid);
    const res = await get('/me', bearer(fresh.access));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await get('/me', bearer(pair.access))).status, 200, 'tokens of the older key still verify');
  });

  it('identifies a session cookie and a token through introspection with its service key', async () => {
    const session = await get('/me/session', { cookie: `theme=dark; sessionid=${jar.get('sessionid')}` });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.equal(session.body.user, uuid);
    assert.equal(session.body.username, 'alice');
    assert.equal(session.body.checked, 'introspection');
    const live = await get('/me/live', bearer(pair.access));
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.user, uuid);
    assert.equal((await get('/me/session', { cookie: 'sessionid=forged' })).status, 401);
    assert.equal((await get('/me/session')).status, 401);
  });

  it('sees a logout through introspection at once, while offline verification accepts the token until it expires', async () => {
    const out = await call(t.app, 'DELETE', '/api/v1/account/logout', { headers: bearer(pair.access) });
    assert.equal(out.status, 200);
    assert.equal((await get('/me/live', bearer(pair.access))).status, 401, 'introspection sees the logout');
    assert.equal((await get('/me', bearer(pair.access))).status, 200, 'offline verification cannot (documented)');

    const cookieOut = await action(t.app, jar.clone(), 'logout', {}, { 'x-csrftoken': jar.get('csrftoken')! });
    assert.equal(cookieOut.status, 200);
    assert.equal((await get('/me/session', { cookie: `sessionid=${jar.get('sessionid')}` })).status, 401, 'a logged-out session is refused');
  });

  it('fails closed (502) once its service key is revoked, without logging the key', async () => {
    const again = await loginJar(t.app, 'alice', PASSWORD);
    await t.latchkey.services.revokeServiceKey('example');
    const res = await get('/me/session', { cookie: `sessionid=${again.get('sessionid')}` });
    assert.equal(res.status, 502);
    assert.match(example.stderr(), /introspection failed \(401\)/);
    assert.ok(!example.stderr().includes(serviceKey.slice(-43)), 'the key is never logged');
  });
});
