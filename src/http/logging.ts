/**
 * Logger options: structured JSON (pino) with secrets kept out. Request lines carry the path
 * only (a query string can hold a link token), and credentials headers are never serialized.
 */
import type { FastifyServerOptions } from 'fastify';
import type { Writable } from 'node:stream';

/** Fastify logger options at `level`, optionally writing to `stream`. */
export function loggerOptions(level: string, stream?: Writable): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    serializers: {
      req: (req: { id: string; method: string; url: string; ip?: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
        ip: req.ip,
      }),
    },
  };
}
