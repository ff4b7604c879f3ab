#!/usr/bin/env node
// Thin launcher: the CLI itself is the esbuild bundle dist/cli.js (which
// loads dist/cli-main.js or, for `replay`, dist/cli-replay.js), built by
// `npm ci`/`npm install` in a checkout (the `prepare` script) and shipped in
// the packed tarball. Without them, say how to build rather than print a stack.
for (const bundle of ['cli.js', 'cli-main.js', 'cli-replay.js']) {
  try {
    require.resolve(`../dist/${bundle}`);
  } catch {
    process.stderr.write(
      `gpuvm-lens: dist/${bundle} is missing; run \`npm ci\` (or \`npm run build\`) in the GPUVM Lens checkout first.\n`,
    );
    process.exit(2);
  }
}
require('../dist/cli.js');
