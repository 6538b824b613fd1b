/**
 * The JSON body parsers of the Basic dialect: the app's strict parser (strict UTF-8, no
 * prototype-poisoning keys) plus two compatibility rules.
 *
 * A body sent with no Content-Type header at all is read as JSON: the upstream API's own test
 * client sends its JSON bodies so. Any Content-Type other than JSON (text/plain, form types) is
 * still 415. A browser on another site can send a body without a Content-Type and without a
 * preflight; such requests are refused before their body is read (cross-site.ts, and
 * docs/decisions.md, "Basic API: bodies without a Content-Type").
 *
 * The Basic API's curl examples (README, "The HTTP Basic API")
 * write `-d '{ \<newline> "username": ... }'`: inside single quotes the shell keeps the
 * backslash and the line break, so those clients send a backslash-newline between JSON
 * tokens. Outside strings, and only there, a backslash directly followed by a line break is
 * dropped before parsing; inside strings JSON's own escapes apply unchanged, so no value a
 * client sends can be altered by this rule.
 */
import { errorCodes, type FastifyInstance } from 'fastify';
import { parseInto, parseStrictJson, registerTransformingJsonParser } from '../json-body.js';

const NOT_JSON = 'the request body has no Content-Type, so it is read as JSON, and it is not valid JSON';

/** Removes backslash-newline pairs that stand between JSON tokens (not inside strings). */
export function dropLineContinuations(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[(i += 1)] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 1;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\r' && text[i + 2] === '\n') {
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

/** Replaces the inherited JSON parser of this scope with the curl-compatible one, and reads a body without Content-Type as JSON. */
export function registerSeedJsonParser(app: FastifyInstance): void {
  registerTransformingJsonParser(app, dropLineContinuations);
  // '*' is Fastify's parser of last resort: a missing Content-Type, or one no other parser takes.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    if (req.headers['content-type'] !== undefined) {
      done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), undefined);
      return;
    }
    parseInto(done, () => parseStrictJson(body as Buffer, dropLineContinuations, NOT_JSON));
  });
}
