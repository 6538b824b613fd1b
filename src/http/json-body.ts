/**
 * The JSON body parser for every route: strict UTF-8 (invalid bytes are a 400, not silently
 * replaced), prototype-poisoning keys refused (secure-json-parse), and only objects accepted
 * at the top level. The body size limit is Fastify's `bodyLimit`.
 */
import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';

const decoder = new TextDecoder('utf-8', { fatal: true });
// A \u0000 escape not preceded by an escaped backslash: a NUL character in some string.
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/i;
/** No body of any route nests this deep; deeper ones would only exhaust the stack (docs/security.md#sec-60). */
export const MAX_JSON_DEPTH = 64;

/** Whether arrays and objects nest deeper than `limit` outside strings: one pass, no recursion. */
function nestsDeeperThan(text: string, limit: number): boolean {
  if (text.length <= limit * 2) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** An error Fastify answers with its statusCode; the surfaces map its code. */
export class BodyError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly code: 'INVALID_JSON' | 'INVALID_UTF8',
    message: string,
  ) {
    super(message);
  }
}

/** Decodes and parses a JSON body strictly; `undefined` for an empty one. Throws BodyError. */
export function parseStrictJson(buffer: Buffer, transform: (text: string) => string = (text) => text, notJson = 'the request body is not valid JSON'): unknown {
  if (buffer.length === 0) return undefined;
  // The body of most RPC actions (check_login, logout): nothing to decode or check.
  if (buffer.length === 2 && buffer[0] === 0x7b && buffer[1] === 0x7d) return {};
  let text: string;
  try {
    text = decoder.decode(buffer);
  } catch {
    throw new BodyError('INVALID_UTF8', 'the request body is not valid UTF-8');
  }
  // No field accepts a NUL character, and PostgreSQL refuses it in text: refused here, once.
  if (text.includes('\\u0000') && NUL_ESCAPE.test(text)) {
    throw new BodyError('INVALID_UTF8', 'the request body contains a NUL character (\\u0000), which no field accepts');
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new BodyError('INVALID_JSON', `the request body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return sjson.parse(transform(text), null, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new BodyError('INVALID_JSON', notJson);
  }
}

/** Calls `done` with the parsed body or its BodyError (a Fastify body parser's callback). */
export function parseInto(done: (err: Error | null, body?: unknown) => void, parse: () => unknown): void {
  let body: unknown;
  try {
    body = parse();
  } catch (err) {
    done(err as Error, undefined);
    return;
  }
  done(null, body);
}

/** Parses a JSON body strictly; `transform` may rewrite the decoded text first (a dialect's compatibility rule). */
function addStrictJsonParser(app: FastifyInstance, transform?: (text: string) => string): void {
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => parseInto(done, () => parseStrictJson(body as Buffer, transform)));
}

/** Replaces Fastify's body parsers with the strict JSON one. */
export function registerJsonParser(app: FastifyInstance): void {
  // Only JSON is accepted by default (a text/plain body, the CSRF-friendly "simple" type, gets 415);
  // scopes that serve HTML forms add their own form parser.
  app.removeAllContentTypeParsers();
  addStrictJsonParser(app);
}

/** Replaces the JSON parser of an encapsulated scope with one that rewrites the text first. */
export function registerTransformingJsonParser(app: FastifyInstance, transform: (text: string) => string): void {
  app.removeContentTypeParser('application/json');
  addStrictJsonParser(app, transform);
}
