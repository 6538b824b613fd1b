/** The version of this build, from the package's package.json. */
import { readFileSync } from 'node:fs';
import { packageUrl } from './package-root.js';

let cached: string | null = null;

/** The package version, read once; `0.0.0` if package.json cannot be read. */
export function packageVersion(): string {
  if (cached !== null) return cached;
  try {
    const pkg = JSON.parse(readFileSync(packageUrl('package.json'), 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
