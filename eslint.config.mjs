// ESLint (flat config) for GPUVM Lens: the recommended rules of ESLint and
// typescript-eslint, plus the layer policy of the architecture as
// `no-restricted-imports`, generated from the table that
// test/meta/import-boundaries.test.ts checks exactly
// (test/meta/layer-policy.json), so the two cannot drift. The lint rules see
// import strings only, so a relative import is matched by the layer folder it
// names; the test resolves paths. Formatting is not linted.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const table = readJson('./test/meta/layer-policy.json');
const manifest = readJson('./package.json');
/** Every package the project could import: its dependencies, and the editor API. */
const knownPackages = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {}), 'vscode'].filter(
  (name) => !name.startsWith('@types/'),
);

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The no-restricted-imports options of one layer, outside the home folders of its `confined` packages unless `home`. */
function restrictions(layer, home = false) {
  const policy = table.policies[layer];
  const patterns = [];
  const otherLayers = Object.keys(table.policies).filter((other) => other !== layer && !policy.layers.includes(other));
  if (otherLayers.length > 0) {
    patterns.push({
      regex: `^(\\.\\./)+(${otherLayers.map(escape).join('|')})(/|$)`,
      message: `${layer} may import only ${policy.layers.join(', ') || 'nothing of the project'}. ${policy.reason}`,
    });
  }
  if (!policy.node) {
    patterns.push({
      regex: `^(node:.*|(${table.nodeBuiltins.map(escape).join('|')})(/.*)?)$`,
      message: `${layer} may not use Node built-ins. ${policy.reason}`,
    });
  }
  const allowed = (name) => policy.packages.some((pkg) => name === pkg || name.startsWith(pkg + '/'));
  const forbidden = knownPackages.filter((name) => !allowed(name));
  if (forbidden.length > 0) {
    patterns.push({
      regex: `^(${forbidden.map(escape).join('|')})(/.*)?$`,
      message: `${layer} may import only the packages ${policy.packages.join(', ') || '(none)'}. ${policy.reason}`,
    });
  }
  if (!home) {
    for (const [name, rule] of Object.entries(table.confined)) {
      if (rule.layer === layer)
        patterns.push({ regex: `^${escape(name)}(/.*)?$`, message: `${name} only under ${rule.under}. ${rule.reason}` });
    }
  }
  return ['error', { patterns }];
}

/** One config block per layer (and one per confined package's home folder). */
function layerBlocks() {
  const blocks = [];
  for (const layer of Object.keys(table.policies)) {
    const files = layer === 'media' ? ['media/**/*.ts'] : [`src/${layer}/**/*.ts`];
    const confined = Object.entries(table.confined).filter(([, rule]) => rule.layer === layer);
    const homes = confined.map(([, rule]) => `${rule.under}**/*.ts`);
    blocks.push({ files, ignores: homes, rules: { 'no-restricted-imports': restrictions(layer) } });
    if (homes.length > 0) blocks.push({ files: homes, rules: { 'no-restricted-imports': restrictions(layer, true) } });
  }
  return blocks;
}

/** Node's globals for the plain JavaScript files (build scripts, the CLI launcher, the editor test). */
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'require',
    'module',
    '__dirname',
    '__filename',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', '.bench/**', 'test-output/**', '.vscode-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Parsers look for control characters on purpose (NUL, binary data in a trace).
      'no-control-regex': 'off',
      // A leading underscore marks a parameter an interface requires but this implementation ignores.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: nodeGlobals } },
  // The CLI launcher is CommonJS: it requires the bundle.
  { files: ['bin/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  ...layerBlocks(),
);
