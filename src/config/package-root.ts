/**
 * The package's own files beside the code (package.json, locales/, templates/, resources/),
 * found by walking up from this module to the folder whose package.json names `latchkey`. The
 * same walk works from the TypeScript sources (tests, `npm run dev`) and from the bundle in
 * `dist/`, whose modules sit at another depth (docs/decisions.md, "The build is a bundle").
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'latchkey';

function namesUs(dir: URL): boolean {
  try {
    return (JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

function findRoot(start: URL): URL {
  for (let dir = start; ; dir = new URL('..', dir)) {
    if (namesUs(dir)) return dir;
    if (new URL('..', dir).href === dir.href) throw new Error(`no package.json of ${PACKAGE_NAME} above ${fileURLToPath(start)}`);
  }
}

let root: URL | null = null;

/** A file or folder (ending in `/`) of the package, by its path from the package's root. */
export function packageUrl(relative: string): URL {
  root ??= findRoot(new URL('.', import.meta.url));
  return new URL(relative, root);
}

/** The same, as a file-system path. */
export function packagePath(relative: string): string {
  return fileURLToPath(packageUrl(relative));
}
