#!/usr/bin/env node
/**
 * `npm run build` (and `npm install`'s `prepare`): bundles the TypeScript sources into `dist/`
 * with esbuild: `dist/cli/main.js`, the entry `npm start` and `bin/latchkey.js` run, and chunks
 * beside it for what loads later (a command, the OIDC provider's routes). Our modules and
 * Kysely's are bundled; every other dependency stays a package in node_modules, loaded by Node
 * as it is. Why: docs/decisions.md, "The build is a bundle". Types are checked by
 * `npm run typecheck`, not here.
 *
 * Usage: node scripts/build.mjs [OUTDIR]   (default dist; the folder is emptied first)
 */
import { rmSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';

/** Dependencies bundled into our code: ESM packages of many small modules (Kysely: about 260). */
const BUNDLED = new Set(['kysely']);

const outdir = process.argv[2] ?? 'dist';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((name) => !BUNDLED.has(name));

rmSync(outdir, { recursive: true, force: true });
const result = await build({
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
  // Functions and classes keep their own names where the bundle renames them (a class's name is
  // the `type` of an error in the logs).
  keepNames: true,
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
