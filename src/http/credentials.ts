/** Credential extraction from requests. Parsing only: the core decides what a credential is worth. */
import type { FastifyRequest } from 'fastify';
import type { ClientContext } from '../core/deps.js';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The bearer token of the Authorization header, or null when absent or malformed. */
export function bearerToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length > 8192) return null;
  const match = BEARER.exec(header);
  return match ? (match[1] ?? null) : null;
}

/** The client's address and user agent, as recorded on sessions. */
export function clientContext(req: FastifyRequest): ClientContext {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}
