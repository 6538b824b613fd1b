/**
 * Building blocks for route schemas, the single source of the OpenAPI document.
 *
 * A route's Fastify `schema` carries `summary`, `description`, `tags` and `security` for the
 * spec, `body` / `querystring` / `params` / `headers`, which Fastify validates, and `response`,
 * which Fastify uses to serialize JSON (fast-json-stringify writes only the properties listed,
 * in the order listed, so a response schema must list every property in the order the handler
 * builds it, and a nullable value needs `type: ['string', 'null']`). Routes that validate their
 * input by hand (the cookie API's `?do=`, the pages' forms) describe it with `parameters` and
 * `requestBody`, OpenAPI objects that Fastify ignores: documentation only, behaviour unchanged.
 */

/** The tags of the spec, one per surface. */
export type RouteTag = 'jwt' | 'basic' | 'cookie' | 'pages' | 'oidc' | 'service' | 'admin' | 'ops';

/** The security schemes of `components.securitySchemes`. */
export type SecuritySchemeName = 'bearerAccess' | 'bearerRefresh' | 'basicAuth' | 'sessionCookie' | 'serviceKey' | 'adminKey' | 'metricsToken';

/** One alternative of an operation's `security`: every scheme named must be satisfied. */
export type SecurityRequirement = Partial<Record<SecuritySchemeName, string[]>>;

/** An OpenAPI Header Object. */
export interface HeaderDoc {
  description: string;
  schema: Record<string, unknown>;
}

/** An OpenAPI Parameter Object (documentation only when given as `parameters`). */
export interface ParameterDoc {
  name: string;
  in: 'query' | 'header' | 'path' | 'cookie';
  description: string;
  required?: boolean;
  schema: Record<string, unknown>;
}

/** A response in Fastify's content form, which is also an OpenAPI Response Object. */
export interface ResponseDoc {
  description: string;
  headers?: Record<string, HeaderDoc>;
  content: Record<string, { schema: Record<string, unknown> }>;
}

/** An OpenAPI Request Body Object (documentation only; Fastify validates `body`, not this). */
export interface RequestBodyDoc {
  description?: string;
  required?: boolean;
  content: Record<string, { schema: Record<string, unknown> }>;
}

/** What a documented route puts in its Fastify `schema`. */
export interface RouteSchema {
  summary: string;
  description?: string;
  tags: RouteTag[];
  /** `[]` for a public route. */
  security: SecurityRequirement[];
  operationId?: string;
  deprecated?: boolean;
  body?: Record<string, unknown>;
  querystring?: Record<string, unknown>;
  params?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  parameters?: ParameterDoc[];
  requestBody?: RequestBodyDoc;
  response?: Record<string, ResponseDoc>;
}

/** No credential needed. */
export const PUBLIC: SecurityRequirement[] = [];

/** A requirement of one scheme. */
export function requires(scheme: SecuritySchemeName): SecurityRequirement[] {
  return [{ [scheme]: [] }];
}

/** A JSON response. */
export function jsonResponse(description: string, schema: Record<string, unknown>, headers?: Record<string, HeaderDoc>): ResponseDoc {
  return { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema } } };
}

/** A server-rendered HTML page (sent as a string: Fastify never serializes it). */
export function htmlResponse(description: string, headers?: Record<string, HeaderDoc>): ResponseDoc {
  return { description, ...(headers ? { headers } : {}), content: { 'text/html': { schema: { type: 'string' } } } };
}

/** A response without a body (an empty `content`: Fastify compiles nothing for it). */
export function emptyResponse(description: string, headers?: Record<string, HeaderDoc>): ResponseDoc {
  return { description, ...(headers ? { headers } : {}), content: {} };
}

/** Response headers documented on several routes. */
export const HEADERS = {
  retryAfter: { description: 'Seconds to wait before trying again (429 and 503).', schema: { type: 'integer', minimum: 0 } },
  wwwAuthenticateBasic: { description: 'Always `Basic realm="latchkey"` on a 401.', schema: { type: 'string' } },
  location: { description: 'Where the browser goes next.', schema: { type: 'string' } },
  allow: { description: 'The methods this path accepts.', schema: { type: 'string' } },
  setSessionCookies: {
    description:
      'The session cookie (HttpOnly, SameSite=Lax, Path=/, Secure under https; named by SESSION_COOKIE_NAME) and the CSRF cookie (readable by scripts; CSRF_COOKIE_NAME).',
    schema: { type: 'string' },
  },
  clearSessionCookies: { description: 'Both session cookies, cleared (Max-Age=0).', schema: { type: 'string' } },
  setFormCookie: { description: 'The anonymous form-CSRF cookie (HttpOnly, SameSite=Strict) the form echoes in its `csrf` field.', schema: { type: 'string' } },
} satisfies Record<string, HeaderDoc>;

/** A query parameter described for the spec only. */
export function queryParameter(name: string, description: string, schema: Record<string, unknown>, options: { required?: boolean } = {}): ParameterDoc {
  return { name, in: 'query', description, ...(options.required ? { required: true } : {}), schema };
}

/** A request header described for the spec only (never `Authorization`: `security` covers it). */
export function headerParameter(name: string, description: string, schema: Record<string, unknown> = { type: 'string' }): ParameterDoc {
  return { name, in: 'header', description, schema };
}

/** An HTML form body (`application/x-www-form-urlencoded`) described for the spec only. */
export function formBody(description: string, fields: Record<string, { description: string; maxLength?: number }>, required: string[]): RequestBodyDoc {
  const properties: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    properties[name] = { type: 'string', description: field.description, ...(field.maxLength ? { maxLength: field.maxLength } : {}) };
  }
  return { description, required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties, required } } } };
}
