/**
 * Reading one variable: the typed readers every settings module uses. A bad value is a
 * ConfigError whose one-line message names the variable (and never a secret's value).
 */

/** The environment as read: process.env, or a plain object in tests. */
export type Env = Record<string, string | undefined>;

/** A bad setting; the message is one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** The trimmed value of `name`, or undefined when it is unset or blank. */
export function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Throws a ConfigError naming the variable and the value. */
export function fail(name: string, problem: string, value: string): never {
  throw new ConfigError(`${name} ${problem} (got ${JSON.stringify(value)})`);
}

/** A free-text value. */
export function readString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

/** A whole number between min and max. */
export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) fail(name, 'must be a whole number', value);
  const n = Number(value);
  if (n < min || n > max) fail(name, `must be between ${min} and ${max}`, value);
  return n;
}

/** Seconds, or a number with a unit (15m, 2h, 7d), between min and max seconds. */
export function readDuration(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (!match) fail(name, 'must be a duration in seconds, or with a unit like 15m, 2h or 7d', value);
  const seconds = Number(match[1]) * (DURATION_UNITS[match[2] || 's'] ?? 1);
  if (seconds < min || seconds > max) fail(name, `must be between ${min} and ${max} seconds`, value);
  return seconds;
}

/** One of `allowed`. */
export function readEnum<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) fail(name, `must be one of ${allowed.join(', ')}`, value);
  return value as T;
}
