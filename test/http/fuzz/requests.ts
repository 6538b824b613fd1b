/** The operations read from /openapi.json and the fast-check request generators of the SEC-60 fuzz test. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CookieJar } from '../../support/cookie-jar.js';
import type { Pair } from '../../support/jwt-api.js';
import { type RawResponse, type FuzzRequest } from './raw-http.js';

export const ADMIN_KEY = 'admin-key-for-the-fuzz-test-0123456789abcdef';
export const METRICS_TOKEN = 'metrics-token-for-the-fuzz-test';
/** Configuration that turns on every optional route (admin API, /metrics). */
export const ENV = { ADMIN_API_KEY: ADMIN_KEY, METRICS_TOKEN, LOG_LEVEL: 'info' };
export const USERNAME = 'fuzz-user';
export const PASSWORD = 'Fuzzing-Lantern-1984';

// ---------------------------------------------------------------------------------------------
// The operations and their surfaces, from /openapi.json.

export type JsonSchema = Record<string, any>;

export interface Operation {
  method: string;
  path: string;
  tag: string;
  jsonBody?: JsonSchema;
  formBody?: JsonSchema;
  query: Array<{ name: string; schema: JsonSchema }>;
  pathParams: string[];
  /** The security schemes the operation accepts (bearerAccess, basicAuth, ...). */
  schemes: string[];
  /** A page route that documents JSON error answers: called by a page's script (the passkey options), not by a form. */
  scriptJson: boolean;
}

export function operationsOf(doc: { paths: Record<string, Record<string, any>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const content = op.requestBody?.content ?? {};
      const params = (op.parameters ?? []) as Array<{ in: string; name: string; schema?: JsonSchema }>;
      ops.push({
        method: method.toUpperCase(),
        path,
        tag: String(op.tags?.[0]),
        jsonBody: content['application/json']?.schema,
        formBody: content['application/x-www-form-urlencoded']?.schema,
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        schemes: ((op.security ?? []) as Array<Record<string, unknown>>).flatMap((requirement) => Object.keys(requirement)),
        scriptJson: Object.entries(op.responses ?? {}).some(([status, r]: [string, any]) => /^4/.test(status) && r?.content?.['application/json'] !== undefined),
      });
    }
  }
  return ops;
}

/** Asserts an error answer is in the format of the surface that served it. */
export function assertErrorShape(op: Operation, res: RawResponse, what: string): void {
  const type = res.headers['content-type'] ?? '';
  if (op.tag === 'pages' && op.scriptJson && /^application\/json/.test(type)) {
    // The passkey options answer their script's refusals as {error:{code,message}} (src/http/pages/passkey-assets.ts).
    const body = JSON.parse(res.body.toString('utf8')) as any;
    assert.ok(typeof body?.error?.code === 'string' && typeof body.error.message === 'string', `${what}: a script endpoint's error is {error:{code,message}}, got ${res.body}`);
    return;
  }
  if (op.tag === 'pages') {
    assert.match(type, /^text\/html/, `${what}: a page error is HTML`);
    return;
  }
  assert.match(type, /^application\/json/, `${what}: an API error is JSON`);
  const body = JSON.parse(res.body.toString('utf8')) as any;
  const envelope = body?.ok === false && typeof body.error?.code === 'string' && typeof body.error?.message === 'string';
  if (op.tag === 'basic') {
    assert.ok(typeof body?.error === 'string' && typeof body.message === 'string', `${what}: Basic error format, got ${res.body}`);
  } else if (op.tag === 'cookie') {
    assert.ok(body?.ok === undefined && typeof body?.error?.code === 'string' && typeof body.error.message === 'string', `${what}: cookie-API error format, got ${res.body}`);
  } else {
    assert.ok(envelope, `${what}: {ok:false,error:{code,message}} envelope, got ${res.body}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Generators.

/** Percent-encodes every byte but unreserved ones (lone surrogates become U+FFFD, as a browser sends them). */
export function pct(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) out += /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Printable ASCII and Latin-1 without CR/LF/NUL: what a header value can carry. */
export const headerJunk = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((c) => String.fromCharCode(c)), maxLength });

export const nastyStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '../../etc/passwd',
  '%00',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '\u202e\u0301\ud83d\ude00',
  '\ud800',
  'ﬀ',
  '0',
  '-1',
  '1e999',
  'null',
  'true',
  '[]',
  '{}',
);

export const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: nastyStrings },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 70_000 }).map((n) => 'x'.repeat(n)) },
);

/** A value of the shape `schema` asks for, within its limits (so it reaches the handler). */
export function fromSchema(schema: JsonSchema | undefined, known: string[] = [], depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 2 });
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) return fc.oneof(...alternatives.map((alt) => fromSchema(alt, known, depth + 1)));
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ['object'];
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case 'string':
          return fc.oneof(
            { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 64, 64) }) },
            { weight: 2, arbitrary: fc.constantFrom(USERNAME, PASSWORD, 'someone@example.com', '00000000-0000-4000-8000-000000000000', ...known) },
            { weight: 1, arbitrary: nastyStrings },
            { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 32, 32) }) },
          );
        case 'integer':
          return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
        case 'number':
          return fc.double({ noNaN: true });
        case 'boolean':
          return fc.boolean();
        case 'null':
          return fc.constant(null);
        case 'array':
          return fc.array(fromSchema(schema.items, known, depth + 1), { maxLength: 3 });
        default: {
          const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
          const model: Record<string, fc.Arbitrary<unknown>> = {};
          for (const [key, value] of Object.entries(props)) model[key] = fromSchema(value, known, depth + 1);
          const required = ((schema.required ?? []) as string[]).filter((k) => k in props);
          const optional = Object.keys(props).filter((k) => !required.includes(k));
          // Each subset of the optional fields equally likely (fc.record's own choice leans to all or none).
          return fc.tuple(fc.record(model), fc.subarray(optional)).map(([value, chosen]) => Object.fromEntries(Object.entries(value).filter(([k]) => required.includes(k) || chosen.includes(k))));
        }
      }
    }),
  );
}

/** A body for a JSON operation: valid-shaped, mutated, or plain junk, as bytes. */
export function jsonBodyArb(schema: JsonSchema | undefined, known: string[]): fc.Arbitrary<Buffer> {
  const shaped = fromSchema(schema ?? { type: 'object', properties: {} }, known) as fc.Arbitrary<Record<string, unknown>>;
  const asObject = shaped.map((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {}));
  const keys = Object.keys((schema?.properties ?? {}) as object);
  const mutated = fc
    .tuple(asObject, keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('field'), fc.anything({ maxDepth: 2 }), fc.option(fc.string({ maxLength: 12 })))
    .map(([value, key, wrong, extra]) => ({ ...value, [key]: wrong, ...(extra !== null ? { [extra]: 1 } : {}) }));
  const huge = fc.tuple(asObject, keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('field'), fc.integer({ min: 4_000, max: 80_000 })).map(([value, key, n]) => ({ ...value, [key]: 'y'.repeat(n) }));
  const json = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> => arb.map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8'));
  const text = (arb: fc.Arbitrary<string>): fc.Arbitrary<Buffer> => arb.map((s) => Buffer.from(s, 'utf8'));
  return fc.oneof(
    { weight: 6, arbitrary: json(shaped) },
    { weight: 3, arbitrary: json(mutated) },
    { weight: 1, arbitrary: json(huge) },
    { weight: 2, arbitrary: json(fc.jsonValue({ maxDepth: 3 })) },
    {
      weight: 2,
      arbitrary: text(
        fc.constantFrom(
          '{"__proto__":{"admin":true},"username":"x","password":"y"}',
          '{"constructor":{"prototype":{"polluted":1}}}',
          '{"username":"a","username":"b","password":"dup keys"}',
          '{"a":1',
          '{',
          'null',
          '"string"',
          '[1,2,3]',
          '1e999999',
          '{"username":"\\ud800","password":"lone surrogate"}',
          '\uFEFF{}',
          '{}garbage',
          '',
        ),
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 10, max: 30_000 }).map((n) => Buffer.from('['.repeat(n) + ']'.repeat(n))) },
    { weight: 1, arbitrary: fc.integer({ min: 10, max: 10_000 }).map((n) => Buffer.from('{"a":'.repeat(n) + '1' + '}'.repeat(n))) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from('{"username":"'), Buffer.from(bytes), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])) },
  );
}

/** A body for a form operation: fields from the schema, junk fields, duplicates, bad %-encoding. */
export function formBodyArb(schema: JsonSchema | undefined, csrf: string): fc.Arbitrary<Buffer> {
  const keys = [...Object.keys((schema?.properties ?? {}) as object), '_csrf', 'csrf', '__proto__', 'extra'];
  const value = fc.oneof({ weight: 3, arbitrary: anyString }, { weight: 1, arbitrary: fc.constantFrom(csrf, USERNAME, PASSWORD) });
  const field = fc.tuple(fc.constantFrom(...keys), value).map(([k, v]) => `${pct(k)}=${pct(v)}`);
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(field, { maxLength: 6 }).map((fields) => Buffer.from(fields.join('&'))) },
    { weight: 1, arbitrary: fc.constantFrom('a=%FF%FE', 'a=%ZZ&b=%', 'username=x&username=y', '&&&==&', 'password=%C0%AF').map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 70_000 }).map((n) => Buffer.from(`password=${'z'.repeat(n)}`)) },
  );
}

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded',
  'text/plain',
  'text/plain;charset=UTF-8',
  'multipart/form-data; boundary=xyz',
  'application/jsonx',
  'a/b/c',
  ';;;',
  '',
];

export const PATH_PARAM = fc.oneof(
  fc.uuid().map((u) => u),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
  fc.integer({ min: 150, max: 400 }).map((n) => 'p'.repeat(n)),
  fc.constantFrom('%', '%ZZ', '%C0%AF', '%00', '%FF%FE', '..%2F..%2Fadmin', '%2e%2e', ';', '00000000-0000-0000-0000-000000000000', 'null', 'undefined', '-1'),
);

/** A query string: the operation's own parameters with generated values, junk keys, duplicates and arrays. */
export function queryArb(op: Operation): fc.Arbitrary<string> {
  const names = [...op.query.map((q) => q.name), 'x', '__proto__', 'constructor[prototype][a]', 'a[]'];
  const declared = op.query.map((q) => fc.tuple(fc.constant(q.name), fc.oneof(fromSchema(q.schema).map(String), anyString)));
  const pair = fc.oneof(...declared, fc.tuple(fc.constantFrom(...names), anyString)).map(([k, v]) => `${pct(k)}=${pct(v)}`);
  const rawJunk = fc.constantFrom('%', '%ZZ=1', 'a=%FF', '&&', '=', '?', 'a=1&a=2&a=3', 'limit=1&limit=2', 'failed=true&failed=false');
  const doValues = op.tag === 'cookie' ? [fc.constantFrom('do=create', 'do=login', 'do=logout', 'do=check_login', 'do=check_login_with_return_uuid', 'do=login&do=logout', 'do[]=login', 'do[a]=login', 'do=', 'do', 'DO=login', 'do=LOGIN', 'do=login%00', 'do=__proto__', 'do=constructor', 'do=toString')] : [];
  const action = op.tag === 'cookie' ? fc.option(fc.constantFrom('create', 'login', 'logout', 'check_login', 'check_login_with_return_uuid').map((a) => [`do=${a}`]), { freq: 4, nil: [] as string[] }) : fc.constant([] as string[]);
  return fc
    .tuple(action, fc.array(fc.oneof({ weight: 3, arbitrary: pair }, { weight: 1, arbitrary: rawJunk }, ...doValues.map((arbitrary) => ({ weight: 1, arbitrary }))), { maxLength: 4 }))
    .map(([first, rest]) => [...first, ...rest])
    .map((parts) => (parts.length === 0 ? '' : `?${parts.join('&')}`));
}

export interface Credentials {
  username: string;
  pair: Pair;
  jar: CookieJar;
  serviceKey: string;
  accountId: string;
}

export const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** The valid credential headers for an operation's security schemes, so generated requests get past authentication. */
export function validCredentials(op: Operation, creds: Credentials): Array<[string, string]> {
  const byScheme: Record<string, [string, string]> = {
    bearerAccess: ['Authorization', `Bearer ${creds.pair.access}`],
    bearerRefresh: ['Authorization', `Bearer ${creds.pair.refresh}`],
    basicAuth: ['Authorization', basic(creds.username, PASSWORD)],
    adminKey: ['Authorization', `Bearer ${ADMIN_KEY}`],
    serviceKey: ['Authorization', `Bearer ${creds.serviceKey}`],
    metricsToken: ['Authorization', `Bearer ${METRICS_TOKEN}`],
    sessionCookie: ['Cookie', creds.jar.headers().cookie ?? ''],
  };
  return op.schemes.flatMap((scheme) => (byScheme[scheme] ? [byScheme[scheme]] : []));
}

export function headersArb(op: Operation, creds: Credentials): fc.Arbitrary<Array<[string, string]>> {
  const authorization = fc.oneof(
    fc.constantFrom(
      `Bearer ${creds.pair.access}`,
      `Bearer ${creds.pair.refresh}`,
      `Bearer ${ADMIN_KEY}`,
      `Bearer ${METRICS_TOKEN}`,
      `Bearer ${creds.serviceKey}`,
      basic(creds.username, PASSWORD),
      'Bearer ',
      'Bearer',
      'Basic ',
      'Basic =',
      'Basic !!!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString('base64')}`,
      'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'Bearer a.b.c',
      'Digest username="x"',
      `bearer ${creds.pair.access}`,
    ),
    fc.tuple(fc.constantFrom('Bearer ', 'Basic ', ''), headerJunk(200)).map(([scheme, junk]) => scheme + junk),
    fc.tuple(anyString, anyString).map(([u, p]) => basic(u.slice(0, 2000), p.slice(0, 2000))),
    fc.integer({ min: 2_000, max: 8_000 }).map((n) => `Bearer ${'A'.repeat(n)}`),
  );
  const session = creds.jar.headers().cookie ?? '';
  const cookie = fc.oneof(
    fc.constant(session),
    fc.tuple(headerJunk(80), headerJunk(80)).map(([s, c]) => `sessionid=${s.replace(/;/g, '')}; csrftoken=${c.replace(/;/g, '')}`),
    fc.constantFrom('sessionid=', 'sessionid', ';;;', 'sessionid=a; sessionid=b', `${session}; sessionid=other`, 'csrftoken=%ZZ', `sessionid="${'q'.repeat(5000)}"`),
    headerJunk(200),
  );
  const csrf = creds.jar.get('csrftoken') ?? '';
  const optional = (name: string, arb: fc.Arbitrary<string>): fc.Arbitrary<Array<[string, string]>> => fc.option(arb, { freq: 2 }).map((v) => (v === null ? [] : [[name, v]]));
  const valid = validCredentials(op, creds);
  return fc
    .tuple(
      // Most requests carry the operation's own valid credential, so they reach its validation and handler.
      valid.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, { weight: 2, arbitrary: fc.constant([]) }) : fc.constant([] as Array<[string, string]>),
      optional('Authorization', authorization),
      optional('Cookie', cookie),
      optional('X-CSRFToken', fc.oneof(fc.constant(csrf), headerJunk(100))),
      optional('Origin', fc.oneof(fc.constantFrom('http://localhost:3000', 'https://evil.example', 'null', ''), headerJunk(60))),
      optional('Referer', fc.oneof(fc.constantFrom('http://localhost:3000/login', 'https://evil.example/'), headerJunk(60))),
      optional('X-Forwarded-For', fc.oneof(fc.constantFrom('1.2.3.4', '1.2.3.4, 10.0.0.1', '::1', 'not-an-ip', ''), headerJunk(60))),
      optional('X-Forwarded-Proto', fc.constantFrom('http', 'https', 'gopher', '')),
      optional('X-Request-Id', fc.oneof(fc.uuid(), headerJunk(100))),
      optional('Accept', fc.constantFrom('application/json', 'text/html', '*/*', 'image/png', '')),
      optional('Accept-Encoding', fc.constantFrom('gzip', 'br', 'identity', 'x')),
    )
    .map(([chosen, ...rest]) => {
      // A valid credential, when chosen, is the only header of its name (a second Authorization would be a 400).
      const taken = new Set(chosen.map(([name]) => name));
      return [...chosen, ...rest.flat().filter(([name]) => !taken.has(name))];
    });
}

export function requestArb(op: Operation, creds: Credentials): fc.Arbitrary<FuzzRequest> {
  const pathArb = fc.tuple(...(op.pathParams.length === 0 ? [fc.constant('')] : op.pathParams.map(() => fc.oneof(PATH_PARAM, fc.constant(creds.accountId))))).map((values) => {
    let path = op.path;
    op.pathParams.forEach((name, i) => {
      path = path.replace(`{${name}}`, values[i] ?? '');
    });
    return path;
  });
  const hasBody = op.method !== 'GET' && op.method !== 'HEAD' && op.method !== 'OPTIONS';
  const naturalType = op.formBody ? 'application/x-www-form-urlencoded' : 'application/json';
  const csrf = creds.jar.get('csrftoken') ?? '';
  // Real values a body field may hold (a live session, token, username), so some bodies are accepted.
  const known = [creds.username, creds.jar.get('sessionid') ?? '', creds.pair.access, creds.pair.refresh, creds.accountId];
  const bodyArb = op.formBody ? fc.oneof({ weight: 3, arbitrary: formBodyArb(op.formBody, csrf) }, { weight: 1, arbitrary: jsonBodyArb(undefined, []) }) : fc.oneof({ weight: 4, arbitrary: jsonBodyArb(op.jsonBody, known) }, { weight: 1, arbitrary: formBodyArb(op.jsonBody, csrf) });
  const contentType = fc.oneof({ weight: 4, arbitrary: fc.constant(naturalType) }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: fc.constant(null) });
  const junk = fc
    .record({
      path: pathArb,
      query: queryArb(op),
      headers: headersArb(op, creds),
      body: hasBody ? fc.option(bodyArb, { freq: 8 }) : fc.option(bodyArb, { freq: 1, nil: null }).map((b) => (b !== null && b.length < 100 ? b : null)),
      contentType,
    })
    .map(({ path, query, headers, body, contentType: type }) => ({
      method: op.method,
      target: path + query,
      headers: [...headers, ...(body !== null && type !== null ? ([['Content-Type', type]] as Array<[string, string]>) : [])],
      ...(body !== null ? { body } : {}),
    }));
  // Two requests in five are well-formed: the operation's credential, CSRF token and content type, a body
  // and query of the documented shape. They reach the handlers, so the run also fuzzes the code behind validation.
  const declaredQuery = fc
    .tuple(...op.query.map((q) => fc.option(fromSchema(q.schema, known).map((v) => `${pct(q.name)}=${pct(String(v))}`), { nil: '' })))
    .map((parts) => parts.filter(Boolean).join('&'));
  // logout ends the session the other actions use, so it comes up less often.
  const action = op.tag === 'cookie' ? fc.oneof({ weight: 6, arbitrary: fc.constantFrom('create', 'login', 'check_login', 'check_login_with_return_uuid') }, { weight: 1, arbitrary: fc.constant('logout') }).map((a) => `do=${a}`) : fc.constant('');
  const wellFormedBody = op.formBody
    ? (fromSchema(op.formBody, known) as fc.Arbitrary<Record<string, unknown>>).map((fields) => Buffer.from(new URLSearchParams({ ...Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, String(v)])), csrf }).toString()))
    : fromSchema(op.jsonBody ?? { type: 'object', properties: {} }, known).map((v) => Buffer.from(JSON.stringify(v) ?? '{}'));
  const wellFormed = fc.record({ path: pathArb, query: fc.tuple(action, declaredQuery), body: wellFormedBody }).map(({ path, query, body }) => {
    const search = query.filter(Boolean).join('&');
    return {
      method: op.method,
      target: path + (search ? `?${search}` : ''),
      headers: [...validCredentials(op, creds), ['X-CSRFToken', csrf], ['Origin', 'http://localhost:3000'], ...(hasBody ? [['Content-Type', naturalType]] : [])] as Array<[string, string]>,
      ...(hasBody ? { body } : {}),
    };
  });
  return fc.oneof({ weight: 2, arbitrary: wellFormed }, { weight: 3, arbitrary: junk });
}
