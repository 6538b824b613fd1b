/**
 * The layer rules of docs/architecture.md ("Layers"), checked by `npm run layers` in CI
 * (.ci/run, part "layers"). Every import counts, type-only ones included (tsPreCompilationDeps).
 */
const layer = (name) => `^src/${name}/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycle, type-only ones included (docs/architecture.md, "Layers").',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-core-only',
      comment: 'src/core imports only src/core and node:* built-ins: no framework, database, or other layer.',
      severity: 'error',
      from: { path: layer('core') },
      to: { pathNot: [layer('core'), '^node:'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'core-no-packages',
      comment: 'src/core imports no npm package (node:* built-ins only).',
      severity: 'error',
      from: { path: layer('core') },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'adapters-import-core-and-config',
      comment: 'src/store and src/crypto implement core ports: they import core and config (and their own folder) only.',
      severity: 'error',
      from: { path: '^src/(store|crypto)/' },
      to: { path: '^src/', pathNot: ['^src/(core|config)/', '^src/$1/'] },
    },
    {
      name: 'mail-and-ui-import-core-config-ui',
      comment: 'src/ui (catalogues, language, templates, brand) is shared by http and mail; src/mail implements core ports and renders through it. Both import core, config, ui and their own folder only.',
      severity: 'error',
      from: { path: '^src/(ui|mail)/' },
      to: { path: '^src/', pathNot: ['^src/(core|config|ui)/', '^src/$1/'] },
    },
    {
      name: 'config-imports-core-only',
      comment: 'src/config reads settings; it imports core (for types) and itself only.',
      severity: 'error',
      from: { path: layer('config') },
      to: { path: '^src/', pathNot: ['^src/(core|config)/'] },
    },
    {
      name: 'http-never-store',
      comment: 'src/http imports core, config and ui (and itself), never src/store, src/crypto, src/mail or src/cli: the CLI wiring passes what it needs through core ports.',
      severity: 'error',
      from: { path: layer('http') },
      to: { path: '^src/', pathNot: ['^src/(core|config|ui|http)/'] },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'src/cli composes everything; nothing below it imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: layer('cli') },
      to: { path: layer('cli') },
    },
    {
      name: 'not-to-unresolvable',
      comment: "Every import resolves (Node's own internal modules, which scripts/test-timeouts.mjs loads with --expose-internals, aside).",
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^internal/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
