/** The version of this build, from package.json (two levels above src/config and dist/config). */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** The package version, read once; `0.0.0` if package.json cannot be read. */
export function packageVersion(): string {
  if (cached !== null) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
