/**
 * How the process presents itself: LOG_FORMAT (coloured lines for people on a terminal, JSON
 * lines for machines) and NODE_ENV (production turns the development helpers off, README).
 */
import { raw, readEnum, type Env } from './read.js';

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface RuntimeSettings {
  /** LOG_FORMAT: `auto` (default) is pretty on a terminal and JSON lines otherwise. */
  logFormat: LogFormat;
  /** NODE_ENV is `production`: /dev/mail is never served. */
  production: boolean;
}

/** Reads LOG_FORMAT and NODE_ENV. */
export function readRuntimeSettings(env: Env): RuntimeSettings {
  return {
    logFormat: readEnum(env, 'LOG_FORMAT', 'auto', ['auto', 'json', 'pretty'] as const),
    production: raw(env, 'NODE_ENV') === 'production',
  };
}
