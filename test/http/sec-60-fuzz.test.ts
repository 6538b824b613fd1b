/**
 * Property-based fuzzing of every route of every surface (docs/security.md, "Fuzzing"; SEC-60 and SEC-61).
 * The operations come from the server's own /openapi.json, so a new route is fuzzed without
 * touching this file. Each request is written byte for byte to a real listening server over a
 * raw TCP socket (no client library cleans it up): generated paths and path parameters, query
 * strings (duplicated keys, arrays, `do=` variants), bodies (valid-shaped per the route's schema,
 * wrong types, unknown fields, huge strings, deep nesting, prototype-pollution keys, non-UTF-8
 * bytes, form and text/plain instead of JSON) and headers (valid and junk credentials of every
 * kind, cookies, Origin, X-Forwarded-For, X-Request-Id, Content-Type variants).
 *
 * Every answer must be below 500 (a 503 counts: the database is up) and, when it is an error,
 * in its surface's own format (JSON envelope, Basic JSON, cookie-API JSON, HTML for pages).
 * Afterwards /healthz answers and no unexpected error was logged.
 *
 * Reproduce a failure with the seed and path fast-check prints and the failing operation:
 * `FUZZ_OP='POST /api/account' FUZZ_SEED=<seed> FUZZ_PATH=<path> npm test -- test/http/sec-60-fuzz.test.ts`
 * (tokens differ from run to run; the request's shape is the same). `FUZZ_RUNS=<n>` changes the number of
 * requests per operation (40 by default).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loginJar } from '../cookie/helpers.js';
import type { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login, register, type Pair } from '../support/jwt-api.js';

import { sendRaw, serialize, describeRequest, type RawResponse } from './fuzz/raw-http.js';
import { ENV, USERNAME, PASSWORD, operationsOf, assertErrorShape, basic, requestArb, type Operation, type Credentials } from './fuzz/requests.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** With FUZZ_SEED: the `path` fast-check printed, to replay the shrunk counterexample directly. */
const PATH = process.env.FUZZ_PATH;
/** Only the operations whose "METHOD /path" contains this text (e.g. `POST /api/v1/admin/users`). */
const ONLY = process.env.FUZZ_OP;

// ---------------------------------------------------------------------------------------------

describe('SEC-60 fuzzing every route of every surface over a real socket', () => {
  let t: TestInstance;
  let port: number;
  let ops: Operation[];
  let address: string;
  /** How many answers of each surface and status the run saw ("jwt 401"), to show the fuzzer gets through. */
  const statuses = new Map<string, number>();

  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: ENV }); // not a flow test: throughput matters here
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(address).port);
    const spec = await sendRaw(port, serialize({ method: 'GET', target: '/openapi.json', headers: [] }));
    assert.equal(spec.status, 200);
    ops = operationsOf(JSON.parse(spec.body.toString('utf8')));
  });
  after(async () => {
    await t?.close();
  });

  it('SEC-60 drives every operation the server documents, of every surface', () => {
    const tags = new Set(ops.map((op) => op.tag));
    for (const tag of ['jwt', 'basic', 'cookie', 'pages', 'service', 'admin', 'ops']) assert.ok(tags.has(tag), `no ${tag} operation in /openapi.json`);
    assert.ok(ops.length >= 40, `only ${ops.length} operations`);
    assert.ok(ops.some((op) => op.pathParams.length > 0) && ops.some((op) => op.formBody) && ops.some((op) => op.jsonBody));
  });

  it('SEC-60 answers every generated request below 500, in the format of its surface', async (ctx) => {
    const serviceKey = (await t.latchkey.services.addServiceKey('fuzzer')).credential;
    for (const [i, op] of ops.entries()) {
      if (op.method === 'HEAD' || (ONLY !== undefined && !`${op.method} ${op.path}`.includes(ONLY))) continue;
      // A fresh account and fresh sessions per operation: a generated request may delete, disable or log out the last one.
      t.clock.advance(61_000); // past the per-minute login failure limit of the previous operation's junk logins
      const username = `${USERNAME}-${i}`;
      await register(t.app, username, PASSWORD);
      const pair = await login(t.app, username, PASSWORD);
      const jar = await loginJar(t.app, username, PASSWORD);
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/account/me', headers: { authorization: `Bearer ${pair.access}` } });
      const creds: Credentials = { username, pair, jar, serviceKey, accountId: JSON.parse(me.body).result.id };
      await fc.assert(
        fc.asyncProperty(requestArb(op, creds), async (req) => {
          const res = await sendRaw(port, serialize(req));
          const key = `${op.tag} ${res.status}${res.headers['x-request-id'] === undefined ? ' (parser)' : ''}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          const what = `${op.method} ${op.path} -> ${res.status} for ${describeRequest(req)}`;
          assert.ok(res.status < 500, `${what}: ${res.body.toString('utf8').slice(0, 300)}`);
          assert.ok(res.status >= 200, what);
          if (res.status < 400) return;
          if (res.headers['x-request-id'] === undefined) {
            // Refused by Node's HTTP parser before Fastify saw it (bad URL bytes, oversize head).
            assert.ok([400, 413, 414, 431].includes(res.status), `${what}: a parser refusal`);
            return;
          }
          assertErrorShape(op, res, what);
        }),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), ...(SEED !== undefined && PATH !== undefined ? { path: PATH } : {}), endOnFailure: true },
      );
    }
    ctx.diagnostic(`answers by surface and status: ${[...statuses].sort().map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  });

  it('SEC-60 is still healthy afterwards and logged no unexpected error', async () => {
    const health = await sendRaw(port, serialize({ method: 'GET', target: '/healthz', headers: [] }));
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body.toString('utf8')), { ok: true });
    const ready = await sendRaw(port, serialize({ method: 'GET', target: '/readyz', headers: [] }));
    assert.equal(ready.status, 200);
    const entries = t.logs.map((line) => JSON.parse(line) as { level: number; msg: string });
    assert.deepEqual(
      entries.filter((e) => e.msg === 'unexpected error' || e.level >= 50).map((e) => JSON.stringify(e).slice(0, 500)),
      [],
    );
    const served = [...statuses].filter(([key]) => !key.endsWith('(parser)')).reduce((sum, [, n]) => sum + n, 0);
    assert.ok(entries.filter((e) => e.msg === 'request completed').length >= served, `the ${served} requests Fastify answered are logged`);
    // The fuzzer gets through authentication and validation on every surface, not only to the first 401.
    // Not required of the cookie API: a generated do=logout ends the session the rest of that
    // operation's requests carry, so its successes are few (2 to 15 per run) and may be none.
    for (const tag of ONLY === undefined && RUNS >= 20 ? ['jwt', 'basic', 'pages', 'admin', 'service', 'ops'] : []) {
      assert.ok([...statuses].some(([key]) => key.startsWith(`${tag} 2`)), `no ${tag} request succeeded: ${JSON.stringify([...statuses])}`);
    }
  });
});

describe('SEC-61 size limits and malformed framing over a real socket', () => {
  let t: TestInstance;
  let port: number;
  const send = (raw: string | Buffer): Promise<RawResponse> => sendRaw(port, Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1'));
  const json = (res: RawResponse): any => JSON.parse(res.body.toString('utf8'));

  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(address).port);
  });
  after(async () => {
    await t?.close();
  });

  it('SEC-61 refuses a body over 64 KiB with 413 in each surface’s format', async () => {
    const big = Buffer.from(JSON.stringify({ username: 'u', password: 'p'.repeat(64 * 1024) }));
    const post = (target: string, type: string, body: Buffer): Promise<RawResponse> =>
      sendRaw(port, serialize({ method: 'POST', target, headers: [['Content-Type', type]], body }));

    const jwtApi = await post('/api/v1/account/register', 'application/json', big);
    assert.equal(jwtApi.status, 413);
    assert.deepEqual(json(jwtApi), { ok: false, error: { code: 'payload_too_large', message: 'the request body is too large' } });

    const basic = await post('/api/account', 'application/json', big);
    assert.equal(basic.status, 413);
    assert.equal(json(basic).error, 'payload_too_large');

    const cookie = await post('/accounts/action/?do=create', 'application/json', big);
    assert.equal(cookie.status, 413);
    assert.equal(json(cookie).error.code, 'payload_too_large');

    const page = await post('/signup', 'application/x-www-form-urlencoded', Buffer.from(`email=${'e'.repeat(70 * 1024)}`));
    assert.equal(page.status, 413);
    assert.match(page.headers['content-type'] ?? '', /^text\/html/);
  });

  it('SEC-61 refuses oversize request heads with 431 and a huge URL without a 5xx', async () => {
    const res = await send(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(res.status, 431);
    const manyHeaders = Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n');
    const many = await send(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${manyHeaders}\r\n\r\n`);
    assert.equal(many.status, 431);
    const url = await send(`GET /api/v1/account/sessions/${'s'.repeat(30_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.ok([404, 414, 431].includes(url.status), String(url.status));
  });

  it('SEC-61 answers deeply nested JSON with a 400, not a stack overflow', async () => {
    for (const body of ['['.repeat(30_000) + ']'.repeat(30_000), '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), '{"__proto__":'.repeat(4_000) + '1' + '}'.repeat(4_000)]) {
      for (const target of ['/api/v1/account/login', '/api/account', '/accounts/action/?do=login']) {
        const res = await sendRaw(port, serialize({ method: 'POST', target, headers: [['Content-Type', 'application/json']], body: Buffer.from(body) }));
        assert.ok(res.status === 400 || res.status === 401, `${target}: ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
      }
    }
  });

  it('SEC-61 refuses malformed framing (bad Content-Length, bad chunks, smuggling) with a 4xx', async () => {
    const head = 'POST /api/v1/account/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n';
    const cases = [
      `${head}Content-Length: abc\r\n\r\n{}`,
      `${head}Content-Length: -1\r\n\r\n{}`,
      `${head}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
      `${head}Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: gzip, chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
      `${head}Content-Length: 2\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`,
      'GARBAGE\r\n\r\n',
      'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Name: v\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n',
      `GET /api/v1/account/sessions/${'\u00e9'} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ];
    for (const raw of cases) {
      const res = await send(raw);
      assert.ok(res.status < 500, `${JSON.stringify(raw.slice(0, 120))} -> ${res.status}`);
      if (raw.startsWith(head) && !raw.includes('{}GET')) assert.ok(res.status >= 400, `${JSON.stringify(raw.slice(0, 120))} -> ${res.status}`);
    }
    const health = await send('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(health.status, 200);
  });

  it('SEC-61 a client that promises a body and never sends it does not hold up other requests', async () => {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    socket.write('POST /api/v1/account/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    const health = await send('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(health.status, 200);
    socket.destroy();
  });
});
