/**
 * POST /api/v1/admin/import and GET /api/v1/admin/export: `latchkey import` and `latchkey export`
 * over the admin API (README, "Moving users in and out"), registered inside the admin scope, so
 * the admin key check and the JWT API error format apply. An import body is JSON lines
 * (`application/x-ndjson`) or a JSON array of the same objects (`application/json`), at most
 * IMPORT_BODY_LIMIT bytes; larger migrations use the command, or several requests with `resume`.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AdminService } from '../../core/admin/index.js';
import { AuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { BodyError, parseInto, parseStrictJson } from '../json-body.js';
import { jwtErrorEnvelope, jwtResultEnvelope } from '../jwt-api/schemas.js';
import { sendResult } from '../jwt-api/envelope.js';
import { HEADERS, jsonResponse, requires, type RouteSchema } from '../openapi/route-docs.js';
import { LANGUAGES } from '../../ui/index.js';

/** The largest import body accepted (8 MiB: about 20,000 accounts with hashes). */
export const IMPORT_BODY_LIMIT = 8 * 1024 * 1024;
const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl'];
const decoder = new TextDecoder('utf-8', { fatal: true });

const flag = (description: string) => ({ type: 'string', enum: ['true', 'false'], description }) as const;
const fail = (description: string) => jsonResponse(description, jwtErrorEnvelope);
const unavailable = jsonResponse('`busy` or `unavailable` (database unreachable), with Retry-After.', jwtErrorEnvelope, { 'Retry-After': HEADERS.retryAfter });
const unauthorized = fail('`not_authenticated`: no admin key, or not the one in ADMIN_API_KEY.');

const reportSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['dryRun', 'lines', 'created', 'skipped', 'refused', 'refusals', 'withPassword', 'batches'],
  properties: {
    dryRun: { type: 'boolean' },
    lines: { type: 'integer', description: 'non-empty lines (array items) read' },
    created: { type: 'integer', description: 'accounts created (or, in a dry run, that would be)' },
    skipped: { type: 'integer', description: 'lines whose account exists already (resume only)' },
    refused: { type: 'integer' },
    refusals: {
      type: 'array',
      description: 'the first 1,000 refused lines (array items count from 1), in order',
      items: { type: 'object', additionalProperties: false, required: ['line', 'reason'], properties: { line: { type: 'integer' }, reason: { type: 'string' } } },
    },
    withPassword: { type: 'integer', description: 'of the created accounts, those with a password hash' },
    batches: { type: 'integer', description: 'transactions (one account_import audit event each)' },
  },
} as const;

const accountLine = {
  type: 'object',
  description: 'One account; see README, "Moving users in and out", for the accepted password hash formats.',
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    username: { type: 'string' },
    email: { type: 'string' },
    emailVerified: { type: 'boolean' },
    passwordHash: { type: 'string', example: '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy' },
    keycloakCredential: { type: 'object', description: "A Keycloak export's password credential: `secretData` and `credentialData` (JSON strings or objects)." },
    status: { type: 'string', enum: ['active', 'disabled', 'pending'] },
    createdAt: { type: ['integer', 'string'], description: 'epoch milliseconds or an ISO 8601 date' },
    locale: { type: ['string', 'null'], enum: [...LANGUAGES, null], description: 'the language of its emails; absent or null: DEFAULT_LANGUAGE; another value refuses the line' },
  },
} as const;

/** The admin tag, the admin key, and a query string of only these flags (in this order in the OpenAPI document). */
function adminQuery(properties: Record<string, object>): Pick<RouteSchema, 'tags' | 'security' | 'querystring'> {
  return {
    tags: ['admin'],
    security: requires('adminKey'),
    querystring: { type: 'object', additionalProperties: false, properties },
  };
}

const importRoute: RouteSchema = {
  summary: 'Import accounts with their password hashes',
  description:
    'Creates accounts from JSON lines (`application/x-ndjson`) or a JSON array (`application/json`) of account objects, at most 8 MiB. Password hashes of other systems (bcrypt, argon2, scrypt, Django and Keycloak PBKDF2) are kept and replaced by argon2id at each user\'s next login. Refused lines are reported with their number and reason; the others are written in transactions of 500, each an `account_import` audit event.',
  ...adminQuery({
    dryRun: flag('`true`: check everything, write nothing'),
    resume: flag('`true`: skip lines whose account exists already (same id, or same username and email) instead of refusing them'),
  }),
  requestBody: {
    required: true,
    content: {
      'application/x-ndjson': { schema: { type: 'string', description: 'one JSON account object per line' } },
      'application/json': { schema: { type: 'array', items: accountLine } },
    },
  },
  response: {
    200: jsonResponse('What was imported (or would be) and what was refused.', jwtResultEnvelope(reportSchema)),
    400: fail('`invalid_input`: the body is not JSON lines or a JSON array.'),
    401: unauthorized,
    409: fail('`username_taken`: an identifier was claimed by another request during a batch; that batch was rolled back (run again with resume=true).'),
    413: fail('the body is larger than 8 MiB.'),
    '5XX': unavailable,
  },
};

const exportRoute: RouteSchema = {
  summary: 'Export every account as JSON lines',
  description:
    'Every account as one JSON line in the import format, newest first. Password hashes only with `withHashes=true`; each export is an `account_export` audit event saying whether hashes were included.',
  ...adminQuery({
    withHashes: flag('`true`: include password hashes (treat the output like the database)'),
    sessions: flag("`true`: list each account's live logins (never a secret)"),
  }),
  response: {
    200: { description: 'JSON lines, one account each.', content: { 'application/x-ndjson': { schema: { type: 'string' } } } },
    401: unauthorized,
    '5XX': unavailable,
  },
};

/** The import body as lines: JSON lines as sent, or each item of a JSON array as one line. */
function bodyLines(body: unknown): string[] {
  if (typeof body === 'string') return body.split('\n');
  if (Array.isArray(body)) return body.map((item) => JSON.stringify(item));
  throw new AuthError('INVALID_INPUT', 'send JSON lines (application/x-ndjson) or a JSON array of accounts');
}

/** Registers the import and export routes (inside the admin scope). */
export async function importExportRoutes(app: FastifyInstance, opts: { admin: AdminService }): Promise<void> {
  const { admin } = opts;
  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_req, body, done) =>
    parseInto(done, () => {
      try {
        return decoder.decode(body as Buffer);
      } catch {
        throw new BodyError('INVALID_UTF8', 'the request body is not valid UTF-8');
      }
    }),
  );
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_req, body, done) =>
    parseInto(done, () => parseStrictJson(body as Buffer)),
  );

  app.post<{ Querystring: { dryRun?: string; resume?: string } }>('/import', { schema: importRoute, bodyLimit: IMPORT_BODY_LIMIT }, async (req, reply) => {
    const report = await admin.importAccounts(bodyLines(req.body), {
      dryRun: req.query.dryRun === 'true',
      resume: req.query.resume === 'true',
      ctx: clientContext(req, 'admin'),
    });
    return sendResult(reply, report);
  });

  app.get<{ Querystring: { withHashes?: string; sessions?: string } }>('/export', { schema: exportRoute }, async (req, reply) => {
    const lines = admin.exportAccounts({ withHashes: req.query.withHashes === 'true', sessions: req.query.sessions === 'true', ctx: clientContext(req, 'admin') });
    // The first line (and the audit event before it) is read before the answer starts, so a
    // database failure is still an error answer rather than a cut stream.
    const first = await lines.next();
    async function* rest(): AsyncGenerator<string> {
      if (first.done) return;
      yield `${first.value}\n`;
      for await (const line of lines) yield `${line}\n`;
    }
    reply.header('cache-control', 'no-store').type('application/x-ndjson');
    return reply.send(Readable.from(rest()));
  });
}
