/**
 * The JSON body parser of the Basic dialect: the app's strict parser (strict UTF-8, no
 * prototype-poisoning keys) plus one seed 001 compatibility rule. The seed's curl examples
 * write `-d '{ \<newline> "username": ... }'`: inside single quotes the shell keeps the
 * backslash and the line break, so those clients send a backslash-newline between JSON
 * tokens. Outside strings, and only there, a backslash directly followed by a line break is
 * dropped before parsing; inside strings JSON's own escapes apply unchanged, so no value a
 * client sends can be altered by this rule.
 */
import type { FastifyInstance } from 'fastify';
import { registerTransformingJsonParser } from '../json-body.js';

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

/** Replaces the inherited JSON parser of this scope with the seed-compatible one. */
export function registerSeedJsonParser(app: FastifyInstance): void {
  registerTransformingJsonParser(app, dropLineContinuations);
}
