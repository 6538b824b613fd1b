#!/usr/bin/env node
/**
 * An example back-end service that trusts Latchkey for "who is this?". Plain Node.js, no
 * packages. Run it beside Latchkey:
 *
 *   LATCHKEY_URL=http://localhost:3000 LATCHKEY_SERVICE_KEY=lks_... node examples/service/server.mjs
 *
 *   GET /me          Authorization: Bearer <access token>   verified offline with the JWKS
 *   GET /me/live     Authorization: Bearer <access token>   checked by introspection (sees logout at once)
 *   GET /me/session  Cookie: sessionid=<value>              checked by introspection
 *
 * Environment: LATCHKEY_URL (required), LATCHKEY_SERVICE_KEY (required for /me/live and
 * /me/session), LATCHKEY_ISSUER (default LATCHKEY_URL: Latchkey's JWT_ISSUER, which defaults
 * to its PUBLIC_URL), SESSION_COOKIE (default sessionid), PORT (default 4000), HOST (default 127.0.0.1),
 * JWKS_REFETCH_INTERVAL_MS (default 10000: how often an unknown key id may refetch the key set).
 */
import { createServer } from 'node:http';
import { createAccessTokenVerifier, createIntrospectionClient, IntrospectionError } from './latchkey.mjs';

function fail(message) {
  process.stderr.write(`example service: ${message}\n`);
  process.exit(2);
}

const env = process.env;
if (!env.LATCHKEY_URL) fail('set LATCHKEY_URL to Latchkey\'s address, e.g. http://localhost:3000');
let latchkeyUrl;
try {
  latchkeyUrl = new URL(env.LATCHKEY_URL).origin;
} catch {
  fail(`LATCHKEY_URL is not a URL (got "${env.LATCHKEY_URL}")`);
}
const port = env.PORT === undefined ? 4000 : Number(env.PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT must be a port number (got "${env.PORT}")`);
const sessionCookie = env.SESSION_COOKIE ?? 'sessionid';

const minRefetchMs = env.JWKS_REFETCH_INTERVAL_MS === undefined ? 10_000 : Number(env.JWKS_REFETCH_INTERVAL_MS);
if (!Number.isInteger(minRefetchMs) || minRefetchMs < 0) fail(`JWKS_REFETCH_INTERVAL_MS must be a whole number of milliseconds (got "${env.JWKS_REFETCH_INTERVAL_MS}")`);

const tokens = createAccessTokenVerifier({ jwksUrl: `${latchkeyUrl}/.well-known/jwks.json`, issuer: env.LATCHKEY_ISSUER ?? latchkeyUrl, minRefetchMs });
const latchkey = env.LATCHKEY_SERVICE_KEY ? createIntrospectionClient({ baseUrl: latchkeyUrl, serviceKey: env.LATCHKEY_SERVICE_KEY }) : null;

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function bearerToken(req) {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.headers.authorization ?? '');
  return match ? match[1] : null;
}

function cookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

/** Asks Latchkey; null when the credential is not live. */
async function whoIs(subject) {
  if (!latchkey) throw new IntrospectionError('LATCHKEY_SERVICE_KEY is not set', 0, undefined);
  const result = await latchkey.introspect(subject);
  return result.active ? { user: result.uuid, username: result.username, expires: result.expires } : null;
}

async function handle(req, res) {
  const path = new URL(req.url ?? '/', 'http://service.invalid').pathname;
  if (req.method !== 'GET') return send(res, 405, { error: 'use GET' }, { allow: 'GET' });

  if (path === '/me') {
    const claims = await tokens.verify(bearerToken(req) ?? '');
    if (!claims) return send(res, 401, { error: 'send a valid Latchkey access token' }, { 'www-authenticate': 'Bearer' });
    return send(res, 200, { user: claims.sub, expires: claims.exp, checked: 'offline' });
  }
  if (path === '/me/live') {
    const token = bearerToken(req);
    const who = token && token.length <= 4096 ? await whoIs({ token }) : null;
    if (!who) return send(res, 401, { error: 'send a live Latchkey access token' }, { 'www-authenticate': 'Bearer' });
    return send(res, 200, { ...who, checked: 'introspection' });
  }
  if (path === '/me/session') {
    const session = cookie(req, sessionCookie);
    const who = session && session.length <= 256 ? await whoIs({ session }) : null;
    if (!who) return send(res, 401, { error: 'not logged in' });
    return send(res, 200, { ...who, checked: 'introspection' });
  }
  return send(res, 404, { error: 'not found' });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (err instanceof IntrospectionError) {
      // Never log the credential or our key: the message holds only Latchkey's status and error.
      process.stderr.write(`example service: ${err.message}\n`);
      if (err.status === 429) return send(res, 503, { error: 'busy, try again' }, { 'retry-after': String(err.retryAfter ?? 1) });
      return send(res, 502, { error: 'cannot check credentials right now' });
    }
    process.stderr.write(`example service: ${err?.stack ?? err}\n`);
    return send(res, 500, { error: 'internal error' });
  });
});

server.listen(port, env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`example service listening on http://${address.address}:${address.port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
