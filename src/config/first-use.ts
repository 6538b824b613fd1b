/**
 * A package loaded at its first use instead of at start-up, for libraries most servers never call
 * (docs/decisions.md, "Peak memory in the mixed workload"). Synchronous (`require`), so the
 * callers' functions stay synchronous; resolved from this package, as an `import` would be.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** `load()` requires `specifier` the first time it is called and returns the same module after. */
export function atFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
