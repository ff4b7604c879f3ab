#!/usr/bin/env node
// Thin launcher: the CLI itself is the esbuild bundle dist/cli.js.
require('../dist/cli.js');
