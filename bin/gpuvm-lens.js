#!/usr/bin/env node
// Thin launcher: the CLI itself is the esbuild bundle dist/cli.js, built by
// `npm ci`/`npm install` in a checkout (the `prepare` script) and shipped in
// the packed tarball. Without it, say how to build rather than print a stack.
try {
  require.resolve('../dist/cli.js');
} catch {
  process.stderr.write('gpuvm-lens: dist/cli.js is missing; run `npm ci` (or `npm run build`) in the GPUVM Lens checkout first.\n');
  process.exit(2);
}
require('../dist/cli.js');
