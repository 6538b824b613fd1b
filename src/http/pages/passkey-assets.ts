/**
 * What the passkey pages share (docs/security.md, "Passkeys"): the two scripts, served by
 * Latchkey itself under /assets/ (the @simplewebauthn/browser 13 bundle, and resources/passkeys.js,
 * which runs the ceremony a form names and posts the answer in a hidden field); nothing is
 * fetched from another site. A page that includes them gets `script-src 'self'` and
 * `connect-src 'self'` in its CSP (layout.ts, allowOwnScripts); the templates include them through
 * templates/pages/partials/passkey-scripts.eta; every other page keeps no script at all.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageUrl } from '../../config/package-root.js';
import { AuthError } from '../../core/errors.js';
import { type RouteSchema, PUBLIC } from '../openapi/route-docs.js';

/** The library's browser bundle (UMD: defines `SimpleWebAuthnBrowser`), read once at start-up. */
function libraryBundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser'); // …/script/index.js
  return readFileSync(join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

const OUR_SCRIPT = packageUrl('resources/passkeys.js');

/** The browser's WebAuthn response from a hidden field; INVALID_INPUT when it is not JSON. */
export function readCredential(text: string): unknown {
  if (text === '') throw new AuthError('INVALID_INPUT', 'the passkey answer is missing: this page needs JavaScript for passkeys', { field: 'credential' });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AuthError('INVALID_INPUT', 'the passkey answer is not valid JSON', { field: 'credential' });
  }
}

/** Answers a script's request for ceremony options as JSON: `{options}`, or `{error: {code, message}}` with the refusal's status. */
export async function sendOptions(reply: FastifyReply, produce: () => Promise<Record<string, unknown>>): Promise<FastifyReply> {
  try {
    const options = await produce();
    return reply.code(200).type('application/json').send({ options });
  } catch (err) {
    if (!(err instanceof AuthError) || err.code === 'UNAVAILABLE' || err.code === 'BUSY') throw err;
    const status = err.code === 'THROTTLED' ? 429 : err.code === 'INVALID_TOKEN' ? 401 : 400;
    if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
    return reply.code(status).type('application/json').send({ error: { code: err.code.toLowerCase(), message: err.message } });
  }
}

function assetRoute(summary: string): RouteSchema {
  return { summary, tags: ['pages'], security: PUBLIC, response: { 200: { description: 'JavaScript.', content: { 'application/javascript': { schema: { type: 'string' } } } } } };
}

/** Registers GET /assets/webauthn.js and /assets/passkeys.js. */
export function registerPasskeyAssets(app: FastifyInstance): void {
  const library = libraryBundle();
  const ours = readFileSync(OUR_SCRIPT, 'utf8');
  const send = (reply: FastifyReply, body: string) =>
    reply.header('cache-control', 'public, max-age=3600').type('application/javascript; charset=utf-8').send(body);
  app.get('/assets/webauthn.js', { schema: assetRoute('The WebAuthn browser library (@simplewebauthn/browser)') }, async (_req, reply) => send(reply, library));
  app.get('/assets/passkeys.js', { schema: assetRoute('The passkey forms’ script') }, async (_req, reply) => send(reply, ours));
}
