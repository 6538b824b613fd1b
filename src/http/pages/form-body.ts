/**
 * The `application/x-www-form-urlencoded` parser of the hosted pages' scope: strict UTF-8,
 * at most 64 KiB, a repeated field is a 400 (no parameter pollution), and the result is a plain
 * record of strings (Object.fromEntries defines `__proto__` as an own key, never a prototype).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError } from '../../core/errors.js';

const FORM_LIMIT = 64 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Adds the form parser to `app`'s scope. */
export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
    let text: string;
    try {
      text = decoder.decode(body as Buffer);
    } catch {
      done(new AuthError('INVALID_INPUT', 'the form is not valid UTF-8'), undefined);
      return;
    }
    const params = new URLSearchParams(text);
    const entries = [...params];
    // No field accepts a NUL character, and PostgreSQL refuses it in text.
    if (entries.some(([key, value]) => key.includes('\0') || value.includes('\0'))) {
      done(new AuthError('INVALID_INPUT', 'the form contains a NUL character'), undefined);
      return;
    }
    const record = Object.fromEntries(entries);
    if (Object.keys(record).length !== entries.length) {
      done(new AuthError('INVALID_INPUT', 'a form field was sent twice'), undefined);
      return;
    }
    done(null, record);
  });
}

/** A form field as a string ('' when absent); INVALID_INPUT when longer than `max` characters. */
export function formField(req: FastifyRequest, name: string, max = 4096): string {
  const body = req.body;
  if (typeof body !== 'object' || body === null) return '';
  const value = Object.hasOwn(body, name) ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') return '';
  if (value.length > max) throw new AuthError('INVALID_INPUT', `${name} is too long`, { field: name });
  return value;
}
