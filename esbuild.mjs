// Bundles every entry point of GPUVM Lens with esbuild. Type checking is a
// separate step (`npm run check-types`); this script only transpiles.
//
//   node esbuild.mjs               development build into dist/
//   node esbuild.mjs --production  minified build (used by packaging)
//   node esbuild.mjs --watch       rebuild on change
//
// Only the extension bundle may treat `vscode` as external: a stray `vscode`
// import anywhere else makes the build fail, which backs up the import-boundary test.
import * as esbuild from 'esbuild';
import fs from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // The CommonJS build of web-tree-sitter: its ES module build needs import.meta.url, which a CJS bundle lacks.
  alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/tree-sitter.cjs' },
};

/** Node-side entry points: name in dist/ -> source. */
const nodeEntries = {
  // `gpuvm-lens`: picks one of the next two bundles by command (src/cli/entry.ts).
  cli: 'src/cli/entry.ts',
  'cli-main': 'src/cli/main.ts',
  'cli-replay': 'src/cli/replay-main.ts',
  // The thread that reads big files for `check` (src/host/threaded-line-stream.ts finds it next to the bundle running it).
  'line-reader': 'src/host/line-reader-worker.ts',
  'bench-engine': 'bench/engine.ts',
  'bench-review': 'bench/review.ts',
  // `npm run eval:review`: runs itself again as the worker thread that reviews each corpus file under a time limit.
  'eval-review': 'bench/eval-review.ts',
  'bench-trace': 'bench/trace.ts',
  // The language server the extension starts with `node dist/server.js --stdio`.
  server: 'src/server/entry.ts',
  'bench-lsp': 'bench/lsp.ts',
  // `npm run fuzz`: runs itself again as the worker thread its watchdog supervises.
  fuzz: 'test/fuzz/main.ts',
};

const contexts = [
  await esbuild.context({ ...common, entryPoints: nodeEntries, outdir: 'dist' }),
  // The VS Code extension: `vscode` is provided by the editor at run time.
  await esbuild.context({ ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] }),
  // The VA-space webview runs in a browser sandbox.
  await esbuild.context({
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { webview: 'media/va-view.ts' },
    outdir: 'dist',
  }),
];

// tree-sitter's runtime and the C grammar are loaded from dist/ at run time (and packaged from there).
fs.mkdirSync('dist', { recursive: true });
for (const wasm of ['node_modules/web-tree-sitter/tree-sitter.wasm', 'node_modules/tree-sitter-c/tree-sitter-c.wasm']) {
  fs.copyFileSync(wasm, `dist/${wasm.slice(wasm.lastIndexOf('/') + 1)}`);
}

if (watch) {
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
}
