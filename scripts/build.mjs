#!/usr/bin/env node
/**
 * `npm run build` (and `npm install`'s `prepare`): bundles the TypeScript sources into `dist/`
 * with esbuild: `dist/cli/main.js`, the entry `npm start` and `bin/latchkey.js` run, and chunks
 * beside it for what loads later (a command, the OIDC provider's routes). Our modules and
 * Kysely's are bundled; every other dependency stays a package in node_modules, loaded by Node
 * as it is. Why: docs/decisions.md, "The build is a bundle". Types are checked by
 * `npm run typecheck`, not here.
 *
 * Usage: node scripts/build.mjs [OUTDIR]   (default: dist/ of the repository; emptied first)
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Dependencies bundled into our code: ESM packages of many small modules (Kysely: about 260). */
const BUNDLED = new Set(['kysely']);

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = process.argv[2] === undefined ? join(root, 'dist') : resolve(process.argv[2]);
process.chdir(root);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys(pkg.dependencies).filter((name) => !BUNDLED.has(name));

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { 'cli/main': 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'cli/chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // A marked package's sub-paths (`@simplewebauthn/server/helpers`) stay external too.
  external,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

// Anything else from node_modules in the bundle is a package missing from `dependencies`.
const strays = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m && !BUNDLED.has(m[1])) strays.add(m[1]);
}
if (strays.size > 0) {
  console.error(`build: bundled packages that are not in package.json's dependencies: ${[...strays].join(', ')}`);
  process.exit(1);
}

// Where two bundled modules declare the same name, esbuild renames one (`Foo` → `Foo2`). A class's
// name is what the logs show as an error's `type`, so no class may be renamed. (esbuild's
// `keepNames` would restore every name, but at a cost on the hot path: a call per closure made.)
const sources = [...readdirSync('src', { recursive: true, encoding: 'utf8' })]
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(join('src', f), 'utf8'))
  .concat([...readdirSync('node_modules/kysely/dist/esm', { recursive: true, encoding: 'utf8' })].filter((f) => f.endsWith('.js')).map((f) => readFileSync(join('node_modules/kysely/dist/esm', f), 'utf8')))
  .join('\n');
const renamed = new Set();
for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))) {
  // `class Foo2 {` or, as esbuild often writes it, `var Foo2 = class {` (named by the variable).
  for (const [, declared, assigned] of readFileSync(file, 'utf8').matchAll(/\bclass ([A-Za-z_$][\w$]*\d)\b|\b([A-Za-z_$][\w$]*\d) = class\b/g)) {
    const name = declared ?? assigned;
    if (!new RegExp(`\\bclass ${name.replace(/\$/g, '\\$')}\\b`).test(sources)) renamed.add(name);
  }
}
if (renamed.size > 0) {
  console.error(`build: classes renamed by the bundle (give them distinct names): ${[...renamed].join(', ')}`);
  process.exit(1);
}
