/**
 * At most MAX_INFLIGHT_PER_ADDRESS requests in flight per client address (docs/security.md,
 * "Requests in flight per address"). The address is the one every other limit counts: the
 * socket's, or the nearest untrusted hop of X-Forwarded-For behind TRUST_PROXY; IPv6 by its
 * /64. A request beyond the limit is refused before any other work with THROTTLED (429,
 * Retry-After: 1) in its surface's format (an HTML page on page routes), so one client holding
 * hundreds of requests open gets refusals that cost microseconds instead of taking the event
 * loop from everyone else. A request counts from its headers until its response is finished or
 * its connection closes.
 *
 * Back ends call introspection hard, with their own service key: a request to
 * /api/v1/introspect carrying a service key this node has seen answered 200 in the last minute
 * (remembered by the key's SHA-256, at most 1,000 keys) is not counted. Until a key has been seen
 * valid, and for any wrong key, its requests count like any other; a revoked key stays exempt
 * from this count for at most a minute (it is still refused by the key check itself).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addressKey } from '../core/credentials/address-limits.js';
import { AuthError } from '../core/errors.js';
import type { Metrics } from './metrics/registry.js';

const SERVICE_PATH = '/api/v1/introspect';
const SERVICE_KEY = /^Bearer +(lks_[A-Za-z0-9_-]{1,200})\s*$/;
const VALID_KEY_MS = 60_000;
const MAX_VALID_KEYS = 1000;

/** The SHA-256 of a service key presented to introspection, or null for any other request. */
function serviceKeyDigest(req: FastifyRequest): string | null {
  if (!req.url.startsWith(SERVICE_PATH)) return null;
  const match = SERVICE_KEY.exec(req.headers.authorization ?? '');
  return match ? createHash('sha256').update(match[1] as string).digest('base64url') : null;
}

/** Adds the limit to every route of `app` (a limit of 0 adds nothing). */
export function useInflightLimit(app: FastifyInstance, limit: number, metrics?: Metrics): void {
  if (limit <= 0) return;
  const inFlight = new Map<string, number>();
  const validKeys = new Map<string, number>();

  const release = (key: string): void => {
    const n = (inFlight.get(key) ?? 1) - 1;
    if (n <= 0) inFlight.delete(key);
    else inFlight.set(key, n);
  };

  const isKnownValid = (digest: string): boolean => {
    const until = validKeys.get(digest);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    validKeys.delete(digest);
    return false;
  };

  const rememberValid = (digest: string): void => {
    validKeys.delete(digest);
    if (validKeys.size >= MAX_VALID_KEYS) validKeys.delete(validKeys.keys().next().value as string);
    validKeys.set(digest, Date.now() + VALID_KEY_MS);
  };

  app.addHook('onRequest', (req, reply, done) => {
    const digest = serviceKeyDigest(req);
    if (digest !== null) {
      reply.raw.once('finish', () => {
        if (reply.statusCode === 200) rememberValid(digest);
      });
      if (isKnownValid(digest)) return done();
    }
    const key = addressKey(req.ip ?? null);
    const n = inFlight.get(key) ?? 0;
    if (n >= limit) {
      metrics?.recordInflightRejection();
      return done(new AuthError('THROTTLED', 'too many requests in flight from this address; try again shortly', { retryAfter: 1 }));
    }
    inFlight.set(key, n + 1);
    let released = false;
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      release(key);
    });
    done();
  });
}
