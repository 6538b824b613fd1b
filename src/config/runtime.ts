/**
 * How the process presents itself: LOG_FORMAT (coloured lines for people on a terminal, JSON
 * lines for machines) and NODE_ENV (production turns the development helpers off, README), NO_COLOR.
 */
import { raw, readEnum, type Env } from './read.js';

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface RuntimeSettings {
  /** LOG_FORMAT: `auto` (default) is pretty on a terminal and JSON lines otherwise. */
  logFormat: LogFormat;
  /** NODE_ENV is `production`: /dev/mail is never served. */
  production: boolean;
  /** NO_COLOR (any value, https://no-color.org) turns the colours of pretty logs off. */
  color: boolean;
}

/** Reads LOG_FORMAT and NODE_ENV. */
export function readRuntimeSettings(env: Env): RuntimeSettings {
  return {
    logFormat: readEnum(env, 'LOG_FORMAT', 'auto', ['auto', 'json', 'pretty'] as const),
    production: raw(env, 'NODE_ENV') === 'production',
    color: env.NO_COLOR === undefined || env.NO_COLOR === '',
  };
}
