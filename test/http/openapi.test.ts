/**
 * The API reference is generated from the routes themselves: every route Fastify registered
 * (read from Fastify's router, not from the spec) is in /openapi.json, the document is valid
 * OpenAPI 3.1, every operation is described and says what credential it needs, and /docs shows
 * every path, escaped, under the pages' CSP. The response schemas also serialize, so the bytes
 * of answers with nullable fields are checked here too.
 *
 * When this test fails because a route is missing, give that route a `schema` with `summary`,
 * `tags` and `security` (see src/http/openapi/route-docs.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { renderDocsPage } from '../../src/http/openapi/docs-page.js';
import { buildOpenApiDocument, type OpenApiDocument } from '../../src/http/openapi/spec.js';
import { escapeText } from '../../src/http/pages/html.js';
import { PAGE_HEADERS } from '../../src/http/pages/layout.js';
import { lastToken } from '../core/outbox-reader.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { browserSkip, CHROMIUM } from '../support/browser.js';
import { bearer, call } from '../support/http.js';
import { login } from '../support/jwt-api.js';

/** Configuration that turns on every optional route, so the guard below sees them all. */
const ALL_ROUTES_ENV = { METRICS_TOKEN: 'metrics-token-for-the-openapi-test', ADMIN_API_KEY: 'admin-key-for-the-openapi-test-0123456789', SESSION_COOKIE_NAME: 'lk_session' };
const TAGS = new Set(['jwt', 'basic', 'cookie', 'pages', 'service', 'admin', 'ops']);
/** Operations that need no credential and may leave `security` out. */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/.well-known/jwks.json', '/openapi.json', '/docs', '/api/v1/account/register', '/api/v1/account/login', '/signup', '/login']);

interface RegisteredRoute {
  method: string;
  path: string;
}

/**
 * Every method and path in Fastify's router, parsed from `printRoutes({ commonPrefix: false })`
 * (a tree whose nodes hold path fragments and, in parentheses, the methods ending there).
 * HEAD is left out: Fastify adds it to every GET by itself.
 */
function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const stack: string[] = [];
  const unparsed: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    if (line.trim() === '') continue;
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) {
      unparsed.push(line);
      continue;
    }
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push({ method, path: stack.join('').replace(/:([A-Za-z0-9_]+)/g, '{$1}') });
    }
  }
  assert.deepEqual(unparsed, [], 'printRoutes printed lines this parser does not understand');
  return routes;
}

function operations(doc: OpenApiDocument): Array<{ method: string; path: string; op: Record<string, any> }> {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}

describe('OpenAPI document and API reference', () => {
  let t: TestInstance;
  let doc: OpenApiDocument;
  let specText: string;

  before(async () => {
    t = await createTestInstance({ env: ALL_ROUTES_ENV }); // real argon2id for the logins below
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200, res.body);
    specText = res.body;
    doc = JSON.parse(res.body) as OpenApiDocument;
  });
  after(async () => {
    await t?.close();
  });

  it('lists every route the app registered, with its method', () => {
    const registered = registeredRoutes(t.app);
    assert.ok(registered.length >= 30, `only ${registered.length} routes parsed from printRoutes`);
    const missing = registered.filter((r) => doc.paths[r.path]?.[r.method.toLowerCase()] === undefined).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(missing, [], `routes missing from /openapi.json (give them a schema with summary, tags, security):\n  ${missing.join('\n  ')}`);
    const known = new Set(registered.map((r) => `${r.method} ${r.path}`));
    const phantom = operations(doc).map((o) => `${o.method} ${o.path}`).filter((key) => !known.has(key));
    assert.deepEqual(phantom, [], 'operations in /openapi.json that the app does not serve');
  });

  it('is a valid OpenAPI 3.1 document with the configured server, cookie name and version', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(specText) as Record<string, unknown>);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(validator.version, '3.1');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const info = doc.info as { version: string };
    assert.equal(info.version, pkg.version);
    assert.deepEqual(doc.servers, [{ url: 'http://localhost:3000' }]);
    const schemes = (doc.components as { securitySchemes: Record<string, any> }).securitySchemes;
    assert.deepEqual(Object.keys(schemes).sort(), ['adminKey', 'basicAuth', 'bearerAccess', 'bearerRefresh', 'metricsToken', 'serviceKey', 'sessionCookie']);
    assert.deepEqual({ type: schemes.sessionCookie.type, in: schemes.sessionCookie.in, name: schemes.sessionCookie.name }, { type: 'apiKey', in: 'cookie', name: 'lk_session' });
    assert.equal(schemes.basicAuth.scheme, 'basic');
    assert.equal(schemes.bearerAccess.scheme, 'bearer');
  });

  it('describes every operation: summary, a known tag, and its security (or an explicit none)', () => {
    const problems: string[] = [];
    const schemes = (doc.components as { securitySchemes: Record<string, unknown> }).securitySchemes;
    for (const { method, path, op } of operations(doc)) {
      const name = `${method} ${path}`;
      if (typeof op.summary !== 'string' || op.summary.trim() === '') problems.push(`${name}: no summary`);
      if (!Array.isArray(op.tags) || op.tags.length === 0 || !op.tags.every((tag: string) => TAGS.has(tag))) problems.push(`${name}: tags ${JSON.stringify(op.tags)}`);
      if (!Array.isArray(op.security) && !PUBLIC_PATHS.has(path)) problems.push(`${name}: no security declared`);
      for (const requirement of op.security ?? []) {
        for (const scheme of Object.keys(requirement)) if (!(scheme in schemes)) problems.push(`${name}: unknown security scheme ${scheme}`);
      }
      if (op.responses.default?.description === 'Not documented.') problems.push(`${name}: no response documented`);
    }
    assert.deepEqual(problems, []);
  });

  it('documents the credentials each surface really takes', () => {
    const security = (method: string, path: string) => doc.paths[path]?.[method]?.security;
    assert.deepEqual(security('get', '/api/v1/account/me'), [{ bearerAccess: [] }]);
    assert.deepEqual(security('get', '/api/v1/account/refresh'), [{ bearerRefresh: [] }]);
    assert.deepEqual(security('post', '/api/v1/account/login'), []);
    assert.deepEqual(security('get', '/api/'), [{ basicAuth: [] }]);
    assert.deepEqual(security('delete', '/api/account'), [{ basicAuth: [] }]);
    assert.deepEqual(security('get', '/account'), [{ sessionCookie: [] }]);
    assert.deepEqual(security('get', '/metrics'), [{ metricsToken: [] }]);
    assert.deepEqual(doc.paths['/api/v1/account/register']?.post?.requestBody, {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'password'],
            properties: {
              username: { type: 'string', minLength: 1, maxLength: 1023 },
              password: { type: 'string', minLength: 1, maxLength: 1023 },
              email: { type: 'string', minLength: 3, maxLength: 254 },
            },
          },
        },
      },
    });
    const action = doc.paths['/accounts/action/']?.post as Record<string, any>;
    assert.deepEqual(action.parameters[0].schema.enum, ['create', 'login', 'logout', 'check_login', 'check_login_with_return_uuid', 'login_mfa']);
    assert.ok(doc.paths['/login']?.post?.requestBody, 'the login form is described');
    assert.ok((doc.paths['/docs']?.get?.responses as Record<string, any>)['200'].content['text/html']);
  });

  it('is served with a short public cache lifetime, and identically every time', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.body, specText);
  });

  it('renders /docs as one HTML page listing every operation, under the pages’ CSP and without script', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers['content-security-policy'], PAGE_HEADERS['content-security-policy']);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.doesNotMatch(res.body, /<script/i);
    assert.doesNotMatch(res.body, /(?:src|href)="(?:https?:)?\/\//, 'no external resource');
    const textOnly = res.body.replace(/<[^>]*>/g, ''); // descriptions' `code` spans become <code> elements
    for (const { method, path, op } of operations(doc)) {
      assert.ok(res.body.includes(`<code>${escapeText(path)}</code>`), `${path} is listed`);
      assert.ok(res.body.includes(`id="${escapeText(String(op.operationId))}"`), `${method} ${path} has its section`);
      assert.ok(textOnly.includes(escapeText(String(op.summary).replace(/`/g, ''))), `${method} ${path} shows its summary`);
    }
  });

  it('escapes everything a route schema puts on /docs', () => {
    const evil = '<script>alert(1)</script>';
    const page = renderDocsPage(
      buildOpenApiDocument(
        [
          {
            method: 'POST',
            url: '/x/:id',
            schema: {
              summary: evil,
              description: `"quoted" ${evil} \`${evil}\``,
              tags: ['ops'],
              security: [],
              body: { type: 'object', properties: { [evil]: { type: 'string', description: evil } } },
              response: { 200: { description: evil, content: { 'application/json': { schema: { type: 'string', enum: [evil] } } } } },
            },
          },
        ],
        { publicUrl: 'http://localhost:3000', sessionCookieName: 'sessionid', version: '1' },
      ),
    );
    assert.doesNotMatch(page, /<script/);
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(page.includes('&quot;quoted&quot;'));
    assert.ok(page.includes('<code>/x/{id}</code>'));
  });

  it('serializes answers exactly as before: nullable fields stay null, nothing is dropped', async () => {
    // JWT API: an account without email (email null), then one created by email only (username null).
    const registered = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'openapi-user', password: 'a long enough passphrase' } });
    assert.equal(registered.text, '{"ok":true,"result":{}}');
    const pair = await login(t.app, 'openapi-user', 'a long enough passphrase');
    const me = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) });
    assert.equal(me.status, 200);
    assert.equal(me.text, JSON.stringify({ ok: true, result: { id: me.body.result.id, username: 'openapi-user', email: null, status: 'active', created: me.body.result.created, emailVerified: false, hasPassword: true, locale: null } }));

    await t.service.signUpWithEmail({ email: 'only-email@example.com' });
    await t.service.confirmAccount(await lastToken(t, 'only-email@example.com', 'confirm_account'), 'another long passphrase');
    const byEmail = await login(t.app, 'only-email@example.com', 'another long passphrase');
    const me2 = await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(byEmail.access) });
    assert.equal(me2.body.result.username, null);
    assert.match(me2.text, /"username":null,"email":"only-email@example.com"/);

    // Errors keep every field, in order.
    const bad = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: 'x', password: 'a long enough passphrase', extra: 1 } });
    assert.equal(bad.text, '{"ok":false,"error":{"code":"invalid_input","message":"unknown field: extra","field":"extra"}}');

    // Basic API: email null without one; the cookie API's error lists the actions.
    const created = await call(t.app, 'POST', '/api/account', { json: { username: 'romeo@example.com', password: 'verona forever and ever' } });
    assert.equal(created.status, 201);
    assert.equal(created.text, JSON.stringify({ id: created.body.id, username: 'romeo@example.com', email: null }));
    const unknown = await call(t.app, 'POST', '/accounts/action/?do=nothing', { json: {} });
    assert.equal(unknown.status, 400);
    assert.deepEqual(Object.keys(unknown.body.error), ['code', 'message', 'actions']);

    const jwks = await call(t.app, 'GET', '/.well-known/jwks.json');
    assert.equal(jwks.text, JSON.stringify(t.latchkey.signer.jwks()));
    for (const key of jwks.body.keys) assert.deepEqual(Object.keys(key), ['crv', 'x', 'kty', 'kid', 'alg', 'use']);
  });
});

describe('/docs in headless Chromium', { skip: browserSkip() }, () => {
  it('renders every operation with no CSP violation and no other request', async () => {
    const { chromium } = await import('playwright-core');
    const t = await createTestInstance({ hasher: 'fast' });
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      // The browser's own favicon request is not the page's doing.
      page.on('console', (msg) => {
        // Chromium's "Failed to load resource" text does not name the URL: its location does.
        if (msg.type() === 'error' && !msg.text().includes('favicon') && !msg.location().url.endsWith('/favicon.ico')) problems.push(msg.text());
      });
      page.on('request', (req) => {
        if (!req.url().endsWith('/favicon.ico')) requests.push(req.url());
      });
      await page.goto(`${address}/docs`);
      const doc = JSON.parse(await (await fetch(`${address}/openapi.json`)).text()) as OpenApiDocument;
      assert.equal(await page.locator('section.op').count(), operations(doc).length);
      assert.match((await page.textContent('h1')) ?? '', /Latchkey API reference/);
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [`${address}/docs`]);
      mkdirSync('test-artifacts/screenshots', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/screenshots/api-docs.png' });
    } finally {
      await browser.close();
      await t.close();
    }
  });
});
