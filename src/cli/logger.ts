/**
 * The process's one logger, made before anything else so that every part (the database, Redis,
 * the audit log, the app) logs through it from the start. JSON lines for machines; a readable
 * coloured line per record on a terminal (LOG_FORMAT). Secrets are kept out by the options of
 * src/http/logging.ts.
 */
import type { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import { loggerOptions } from '../http/logging.js';
import { prettyLogStream } from './log-format.js';

/** True when logs go to people: LOG_FORMAT=pretty, or auto with standard output on a terminal. */
export function logsArePretty(config: Pick<Config, 'logFormat'>, stdoutIsTerminal: boolean = process.stdout.isTTY === true): boolean {
  return config.logFormat === 'pretty' || (config.logFormat === 'auto' && stdoutIsTerminal);
}

/** The logger for `config`; a `stream` (tests) receives the JSON lines instead of standard output. */
export function createLogger(config: Pick<Config, 'logFormat' | 'logLevel' | 'color'>, stream?: Writable): FastifyBaseLogger {
  const { stream: _unused, ...options } = loggerOptions(config.logLevel) as pino.LoggerOptions & { stream?: unknown };
  const destination = stream ?? (logsArePretty(config) ? prettyLogStream(process.stdout, { color: config.color && process.stdout.isTTY === true }) : pino.destination(1));
  return pino(options, destination) as FastifyBaseLogger;
}
