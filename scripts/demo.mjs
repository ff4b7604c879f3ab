// `npm run demo`: runs the analyzer on the bundled examples and shows what it
// prints. Findings are the point of the demo, so exit code 1 (findings) is
// expected; anything else stops it.
import { spawnSync } from 'node:child_process';

const steps = [
  ['Replay a GPUVM script through the drm_gpuvm model', ['replay', 'examples/scripts/surprises.gpuvm']],
  ['Lifetime findings in Xe traces', ['check', 'examples/traces/xe-use-after-free.trace', 'examples/traces/xe-vm-leak.trace']],
  ['GPU page faults traced to the mappings that covered them', ['check', 'examples/xe-run/dmesg.log', 'examples/xe-run/trace.txt']],
  ['The replayed VA spaces, in the gpuvas debugfs format', ['state', 'examples/xe-run/trace.txt']],
  ['What changed between the end of the trace and a later dump', ['diff', 'examples/xe-run/trace.txt', 'examples/xe-run/gpuvas-later.txt']],
  ['Patch review of a dri-devel thread', ['review', 'examples/review/gpuvm-obj-lock-destructor-v5-review.txt']],
];

for (const [title, args] of steps) {
  process.stdout.write(`\n== ${title}\n$ gpuvm-lens ${args.join(' ')}\n`);
  const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
  if (run.status !== 0 && run.status !== 1) {
    process.stderr.write(`demo: gpuvm-lens ${args[0]} exited with ${run.status}\n`);
    process.exit(1);
  }
}
