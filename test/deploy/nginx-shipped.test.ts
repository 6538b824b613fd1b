/**
 * The shipped deployment, tested as shipped: deploy/nginx.conf (only ports, server name and
 * certificate paths substituted: test/deploy/nginx.ts) in front of three Latchkey processes on one
 * PostgreSQL with TRUST_PROXY, over TLS with a self-signed certificate. Drives the JWT API, the
 * cookie API with its CSRF rule, a page flow, the plain-HTTP server block and the per-address
 * limits through nginx, as a client on the network would. docs/deploy.md.
 *
 * Needs TEST_DATABASE_URL (the nodes share PostgreSQL), nginx and openssl. Skipped with the
 * reason otherwise; with REQUIRE_NGINX=1 (.ci/run) a missing nginx fails instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../multinode/cluster.js';
import { CookieJar } from '../support/cookie-jar.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait.js';
import { send, getOverHttp2, type Answer, type Options, type Target } from './client.js';
import { checkConfig, nginxSkipReason, prepare, startNginx, type Nginx } from './nginx.js';

const SERVER_NAME = 'localhost';
const PASSWORD = 'correct-horse-battery-staple-9';
/** Sign-ups per client address per hour on the nodes: small, so the limit test reaches it. */
const REGISTRATIONS_PER_ADDRESS = 2;

const skip = nginxSkipReason() ?? (process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set (the three nodes share one PostgreSQL)');

describe('the shipped nginx.conf in front of three nodes on PostgreSQL, over TLS', { skip }, () => {
  let cluster: Cluster;
  let nginx: Nginx;
  let target: Target;
  let configCheck: { status: number | null; output: string };

  /** A request through nginx that updates (and sends) a cookie jar. */
  const withJar = async (jar: CookieJar, method: string, path: string, options: Options = {}): Promise<Answer> => {
    const res = await send(target, method, path, { ...options, headers: { ...jar.headers(), ...options.headers } });
    jar.update(res);
    return res;
  };

  before(async () => {
    const httpsPort = await freePort();
    const httpPort = await freePort();
    cluster = await startCluster(3, {
      PUBLIC_URL: `https://${SERVER_NAME}:${httpsPort}`,
      // nginx connects to the nodes from 127.0.0.1 (deploy/nginx.conf's comment says the same).
      TRUST_PROXY: '127.0.0.1',
      REGISTRATION_PER_IP_HOUR: String(REGISTRATIONS_PER_ADDRESS),
    });
    const nodePorts = cluster.nodes.map((n) => Number(new URL(n.url).port)) as [number, number, number];
    const prepared = prepare({ httpsPort, httpPort, nodePorts, serverName: SERVER_NAME });
    configCheck = checkConfig(prepared.dir, prepared.conf);
    nginx = await startNginx(prepared, [httpsPort, httpPort]);
    target = { serverName: SERVER_NAME, httpsPort, httpPort, ca: nginx.ca };
    // Three node starts (NODE_START_MS each, the first alone) and nginx's, on a loaded machine.
  }, { timeout: 360_000 });

  after(async () => {
    await nginx?.stop();
    await cluster?.stop();
  });

  it('nginx -t accepts the file; its only allowed warning is the `listen ... http2` deprecation of nginx 1.25.1 and later', () => {
    assert.equal(configCheck.status, 0, configCheck.output);
    const warnings = configCheck.output.split('\n').filter((l) => /\[(warn|emerg|alert|crit|error)\]/.test(l));
    const unexpected = warnings.filter((l) => !/the "listen \.\.\. http2" directive is deprecated/.test(l));
    assert.deepEqual(unexpected, [], configCheck.output);
  });

  it('speaks HTTP/2 over TLS (ALPN) and passes /readyz to a node', async () => {
    const res = await getOverHttp2(target, '/readyz');
    assert.equal(res.alpn, 'h2');
    assert.equal(res.status, 200);
  });

  it('JWT API: register, login, refresh and the refreshed access token, through https', async () => {
    const from = '127.0.0.10';
    const reg = await send(target, 'POST', '/api/v1/account/register', { from, json: { username: 'jwt-user', password: PASSWORD } });
    assert.equal(reg.status, 200, reg.text);
    assert.match(String(reg.headers['strict-transport-security']), /max-age=/, 'HSTS, since PUBLIC_URL is https');
    const login = await send(target, 'POST', '/api/v1/account/login', { from, json: { username: 'jwt-user', password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    const pair = login.json().result.token as { access: string; refresh: string };
    const me = await send(target, 'GET', '/api/v1/account/me', { from, headers: { authorization: `Bearer ${pair.access}` } });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json().result.username, 'jwt-user');
    const refreshed = await send(target, 'GET', '/api/v1/account/refresh', { from, headers: { authorization: `Bearer ${pair.refresh}` } });
    assert.equal(refreshed.status, 200, refreshed.text);
    const next = refreshed.json().result.token as { access: string; refresh: string };
    assert.notEqual(next.refresh, pair.refresh);
    const meAgain = await send(target, 'GET', '/api/v1/account/me', { from, headers: { authorization: `Bearer ${next.access}` } });
    assert.equal(meAgain.status, 200, meAgain.text);
  });

  it('cookie API: login sets Secure cookies; a logout without the CSRF header is 403, with it 200', async () => {
    const from = '127.0.0.11';
    const reg = await send(target, 'POST', '/api/v1/account/register', { from, json: { username: 'cookie-user', password: PASSWORD } });
    assert.equal(reg.status, 200, reg.text);
    const jar = new CookieJar();
    const accept = { accept: 'application/json' };
    const login = await withJar(jar, 'POST', '/accounts/action/?do=login', { from, headers: accept, json: { username: 'cookie-user', password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    assert.ok(cookies.length >= 2 && cookies.every((c) => /;\s*Secure/i.test(c)), `every cookie is Secure behind TLS: ${cookies.join(' | ')}`);
    const csrf = jar.get('csrftoken');
    const session = jar.get('sessionid');
    assert.ok(csrf && session, 'the session and CSRF cookies are set');
    const refused = await withJar(jar, 'POST', '/accounts/action/?do=logout', { from, headers: accept, json: {} });
    assert.equal(refused.status, 403, refused.text);
    const still = await withJar(jar, 'POST', '/accounts/action/?do=check_login', { from, headers: accept, json: {} });
    assert.equal(still.status, 200, 'the refused logout left the session alive');
    const out = await withJar(jar, 'POST', '/accounts/action/?do=logout', { from, headers: { ...accept, 'x-csrftoken': csrf }, json: {} });
    assert.equal(out.status, 200, out.text);
    // nginx spreads these requests over the three nodes: a node that holds the session in its
    // cache refuses it once the database's notification of the logout arrives (docs/security.md,
    // SEC-67f: moments), so the first refusal is awaited within a generous bound, and then every
    // node (six checks in a row) refuses it.
    const check = () => send(target, 'POST', '/accounts/action/?do=check_login', { from, headers: { ...accept, cookie: `sessionid=${session}` }, json: {} });
    await waitFor('the old session cookie to be refused after the logout', async () => (await check()).status !== 200, { timeoutMs: 2000, everyMs: 10 });
    for (let i = 0; i < 6; i++) assert.notEqual((await check()).status, 200, 'and stays dead on every node');
  });

  it('page flow: GET /login, POST the form with its CSRF token, land on /account', async () => {
    const from = '127.0.0.12';
    const reg = await send(target, 'POST', '/api/v1/account/register', { from, json: { username: 'page-user', password: PASSWORD } });
    assert.equal(reg.status, 200, reg.text);
    const jar = new CookieJar();
    const form = await withJar(jar, 'GET', '/login', { from });
    assert.equal(form.status, 200);
    const token = /<input type="hidden" name="csrf" value="([^"]*)">/.exec(form.text)?.[1];
    assert.ok(token, 'the form carries a CSRF token');
    const origin = { origin: `https://${SERVER_NAME}:${target.httpsPort}` };
    const forged = await withJar(jar.clone(), 'POST', '/login', { from, headers: origin, form: { csrf: 'x'.repeat(43), username: 'page-user', password: PASSWORD } });
    assert.equal(forged.status, 403, 'a wrong form token is refused');
    const posted = await withJar(jar, 'POST', '/login', { from, headers: origin, form: { csrf: token, username: 'page-user', password: PASSWORD } });
    assert.equal(posted.status, 303, posted.text);
    assert.equal(posted.headers.location, '/account');
    const account = await withJar(jar, 'GET', '/account', { from });
    assert.equal(account.status, 200);
    assert.match(account.text, /page-user/);
  });

  it('plain HTTP: nginx itself refuses the APIs (403) and redirects pages to https (301)', async () => {
    for (const [method, path] of [['GET', '/api/v1/account/me'], ['POST', '/api/v1/account/login'], ['GET', '/api/account'], ['POST', '/accounts/action/?do=login']] as const) {
      const res = await send(target, method, path, { plain: true, json: method === 'POST' ? { username: 'jwt-user', password: PASSWORD } : undefined });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(res.text, /<center>nginx/, 'the answer is nginx\'s own page, not a node\'s');
      assert.equal(res.headers['set-cookie'], undefined);
    }
    const page = await send(target, 'GET', '/login?next=%2Faccount', { plain: true });
    assert.equal(page.status, 301);
    assert.equal(page.headers.location, `https://${SERVER_NAME}/login?next=%2Faccount`);
  });

  it('X-Forwarded-For: the per-address sign-up limit counts the address nginx saw, not a forged header', async () => {
    const register = (from: string, username: string, forged: string) =>
      send(target, 'POST', '/api/v1/account/register', { from, headers: { 'x-forwarded-for': forged }, json: { username, password: PASSWORD } });
    for (let i = 0; i < REGISTRATIONS_PER_ADDRESS; i++) {
      const ok = await register('127.0.0.2', `xff-a${i}`, `198.51.100.${i + 1}`);
      assert.equal(ok.status, 200, ok.text);
    }
    const refused = await register('127.0.0.2', 'xff-a-over', '198.51.100.99');
    assert.equal(refused.status, 429, 'a new forged X-Forwarded-For does not buy a new budget');
    assert.equal(refused.json().error.code, 'throttled');
    const other = await register('127.0.0.3', 'xff-b', '198.51.100.1');
    assert.equal(other.status, 200, `another client address has its own budget (so nodes do not count nginx's own address): ${other.text}`);
  });

  it('bodies over 64 KiB are refused at the edge with 413', async () => {
    const res = await send(target, 'POST', '/api/v1/account/login', { body: 'x'.repeat(100 * 1024), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 413);
  });
});
