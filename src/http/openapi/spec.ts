/**
 * The OpenAPI 3.1 document, generated from the route schemas Fastify registered: one operation
 * per route and method (HEAD, which Fastify adds to every GET, is left out). The routes are
 * collected by an onRoute hook (index.ts); this module only turns them into the document, so it
 * can be tested without an app. Nothing here runs on a request path but /openapi.json and /docs,
 * and they build the document once.
 */
import type { HeaderDoc, ParameterDoc, RouteTag, SecuritySchemeName } from './route-docs.js';

/** A route as the onRoute hook saw it. */
export interface CollectedRoute {
  method: string;
  /** The full path with Fastify's `:param` syntax. */
  url: string;
  schema: Record<string, unknown> | undefined;
}

/** What the document needs from the configuration. */
export interface SpecOptions {
  /** PUBLIC_URL: the one server. */
  publicUrl: string;
  /** The session cookie's name as configured (`__Host-` prefix included). */
  sessionCookieName: string;
  /** The package version. */
  version: string;
}

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, OpenApiOperation>> };
export type OpenApiOperation = Record<string, unknown> & { summary?: string; tags?: string[]; security?: unknown[] };

/** The methods an OpenAPI path item can describe (HEAD is Fastify's automatic twin of GET). */
const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']);
/** Headers OpenAPI says not to declare as parameters (content negotiation and `security` cover them). */
const IMPLICIT_HEADERS = new Set(['authorization', 'content-type', 'accept']);

/** The tags of the document, in the order /docs shows them. */
export const TAGS: Array<{ name: RouteTag; description: string }> = [
  { name: 'jwt', description: 'The JSON API (README, "The JSON API"): `{"ok":true,"result":…}` / `{"ok":false,"error":{code,message,field?}}`; JWT access tokens and rotating refresh tokens.' },
  { name: 'basic', description: 'The HTTP Basic REST API (README, "The HTTP Basic API"): usernames `user@domain`; errors `{"error","message","field"?}`.' },
  { name: 'cookie', description: 'The cookie-session RPC API (README, "The cookie-session API"): `POST /accounts/action/?do=…`; JSON success bodies (`{}`, or `{"success":true}` for `create`); errors `{"error":{code,message,…}}`.' },
  {
    name: 'pages',
    description:
      'Hosted HTML pages (no script; forms with CSRF tokens), opened from the emailed links. Every refusal is an HTML page too: 400 unusable input, 403 failed CSRF check, 413/415 not a small form, 429/503 with Retry-After, 500 our failure.',
  },
  {
    name: 'oidc',
    description:
      'The OpenID Connect provider (OIDC_PROVIDER=on; oidc-provider): discovery, authorization code flow with PKCE, tokens, userinfo, JWKS, logout, revocation, introspection, and its sign-in pages. Errors follow OAuth 2.0 (`{"error","error_description"}`) or are HTML pages.',
  },
  { name: 'service', description: 'Service-to-service lookups with a service API key.' },
  { name: 'admin', description: 'The admin API, with the admin API key.' },
  { name: 'ops', description: 'Health, keys, metrics and this reference.' },
];

function securitySchemes(options: SpecOptions): Record<SecuritySchemeName, Record<string, unknown>> {
  return {
    bearerAccess: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from login or refresh: an EdDSA JWT with `typ: at+jwt`, valid 15 minutes (ACCESS_TOKEN_TTL).' },
    bearerRefresh: { type: 'http', scheme: 'bearer', description: 'An opaque refresh token; it rotates on every use.' },
    basicAuth: { type: 'http', scheme: 'basic', description: 'HTTP Basic `username:password` (RFC 7617), the username of the form `user@domain`.' },
    sessionCookie: {
      type: 'apiKey',
      in: 'cookie',
      name: options.sessionCookieName,
      description: 'The session cookie set by `?do=login` or the login page. State changes also need the CSRF token (X-CSRFToken, or the form’s `csrf` field).',
    },
    serviceKey: { type: 'http', scheme: 'bearer', description: 'A service API key, for back-end services.' },
    adminKey: { type: 'http', scheme: 'bearer', description: 'The admin API key.' },
    metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for the Prometheus scraper.' },
  };
}

/** Fastify's `/a/:id` as OpenAPI's `/a/{id}` (a `:name(regex)` loses its regex), and the names of its parameters. */
export function openApiPath(url: string): { path: string; names: string[] } {
  const names: string[] = [];
  const path = url
    .replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, (_m, name: string) => {
      names.push(name);
      return `{${name}}`;
    })
    .replace(/\*$/, () => {
      names.push('wildcard');
      return '{wildcard}';
    });
  return { path, names };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A plain, mutable deep copy without `$id` / `$schema` (the document's dialect is OpenAPI's). */
function cleanSchema(schema: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(schema ?? {})) as Record<string, unknown>;
  delete copy.$id;
  delete copy.$schema;
  return copy;
}

function parametersFrom(schema: unknown, location: 'path' | 'query' | 'header'): ParameterDoc[] {
  if (!isRecord(schema) || !isRecord(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: ParameterDoc[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    if (location === 'header' && IMPLICIT_HEADERS.has(name.toLowerCase())) continue;
    const prop = cleanSchema(property);
    const description = typeof prop.description === 'string' ? prop.description : '';
    delete prop.description;
    out.push({ name, in: location, description, ...(location === 'path' || required.has(name) ? { required: true } : {}), schema: prop });
  }
  return out;
}

function defaultDescription(status: string): string {
  if (status.startsWith('2')) return 'Success.';
  if (status === 'default') return 'Any other answer.';
  return status.startsWith('5') ? 'Server failure.' : 'Refused.';
}

function responsesFrom(response: unknown): Record<string, unknown> {
  if (!isRecord(response) || Object.keys(response).length === 0) return { default: { description: 'Not documented.' } };
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(response)) {
    const status = key === 'default' ? key : key.toUpperCase();
    if (!isRecord(entry)) continue;
    if (isRecord(entry.content)) {
      const content: Record<string, unknown> = {};
      for (const [media, item] of Object.entries(entry.content)) {
        content[media] = { schema: cleanSchema(isRecord(item) ? item.schema : {}) };
      }
      out[status] = {
        description: typeof entry.description === 'string' ? entry.description : defaultDescription(status),
        ...(isRecord(entry.headers) ? { headers: cleanSchema(entry.headers) as Record<string, HeaderDoc> } : {}),
        ...(Object.keys(content).length > 0 ? { content } : {}),
      };
    } else {
      // A bare JSON schema: Fastify's short form for an application/json answer.
      const schema = cleanSchema(entry);
      const description = typeof schema.description === 'string' ? schema.description : defaultDescription(status);
      out[status] = { description, content: { 'application/json': { schema } } };
    }
  }
  return out;
}

function requestBodyFrom(schema: Record<string, unknown>): Record<string, unknown> | undefined {
  if (isRecord(schema.body)) {
    const body = schema.body;
    if (isRecord(body.content)) return { required: true, content: cleanSchema(body.content) };
    return { required: true, content: { 'application/json': { schema: cleanSchema(body) } } };
  }
  return isRecord(schema.requestBody) ? cleanSchema(schema.requestBody) : undefined;
}

function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') || 'Root';
  return method.toLowerCase() + name + (path.length > 1 && path.endsWith('/') ? 'Slash' : '');
}

function buildOperation(route: CollectedRoute, path: string, names: string[]): OpenApiOperation {
  const schema = route.schema ?? {};
  const parameters: ParameterDoc[] = [
    ...parametersFrom(schema.params, 'path'),
    ...parametersFrom(schema.querystring ?? schema.query, 'query'),
    ...parametersFrom(schema.headers, 'header'),
    ...(Array.isArray(schema.parameters) ? (cleanSchema(schema.parameters) as unknown as ParameterDoc[]) : []),
  ];
  for (const name of names) {
    if (!parameters.some((p) => p.in === 'path' && p.name === name)) parameters.unshift({ name, in: 'path', required: true, description: '', schema: { type: 'string' } });
  }
  const requestBody = requestBodyFrom(schema);
  const operation: OpenApiOperation = {
    operationId: typeof schema.operationId === 'string' ? schema.operationId : operationId(route.method, path),
    ...(typeof schema.summary === 'string' ? { summary: schema.summary } : {}),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    ...(Array.isArray(schema.tags) ? { tags: [...(schema.tags as string[])] } : {}),
    ...(Array.isArray(schema.security) ? { security: cleanSchema(schema.security) as unknown as unknown[] } : {}),
    ...(schema.deprecated === true ? { deprecated: true } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: responsesFrom(schema.response),
  };
  return operation;
}

/** The OpenAPI 3.1 document of the collected routes. */
export function buildOpenApiDocument(routes: readonly CollectedRoute[], options: SpecOptions): OpenApiDocument {
  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  const ids = new Set<string>();
  for (const route of routes) {
    const method = route.method.toUpperCase();
    if (!METHODS.has(method) || route.schema?.hide === true) continue;
    const { path, names } = openApiPath(route.url);
    const operation = buildOperation({ ...route, method }, path, names);
    let id = operation.operationId as string;
    for (let n = 2; ids.has(id); n += 1) id = `${operation.operationId as string}${n}`;
    ids.add(id);
    operation.operationId = id;
    (paths[path] ??= {})[method.toLowerCase()] = operation;
  }
  const sorted = Object.fromEntries(Object.keys(paths).sort().map((path) => [path, paths[path] as Record<string, OpenApiOperation>]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey',
      version: options.version,
      summary: 'A self-hosted accounts service',
      description:
        'Three account-API styles from one core: the JSON API with JWT access and refresh tokens (`/api/v1/account`), the HTTP Basic REST API (`/api/account`, `/api/`) and the cookie-session RPC API (`/accounts/action/?do=…`), plus hosted pages. JSON routes may also answer 413 (body over 64 KiB) and 415 (not JSON) in their own error format; any path answers 405 with `Allow` for a method it does not take.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: options.publicUrl }],
    tags: TAGS,
    paths: sorted,
    components: { securitySchemes: securitySchemes(options) },
  };
}
