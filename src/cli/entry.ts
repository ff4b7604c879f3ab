/**
 * `dist/cli.js`, what `gpuvm-lens` runs: loads the bundle the command needs
 * from next to itself. `replay` has a small bundle of its own
 * (`replay-main.ts`: a replay should not wait for the whole command line to
 * load); every other command, and every usage error, goes to the whole
 * command line (`main.ts`, dist/cli-main.js). Both read the arguments from
 * `process.argv` as given.
 */

import { join } from 'node:path';

const bundle = process.argv[2] === 'replay' ? 'cli-replay.js' : 'cli-main.js';
// A run-time load of a sibling bundle, not an import to bundle into this one.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(join(__dirname, bundle));
