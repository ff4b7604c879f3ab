/**
 * The canonical text of a VM's VA space that "Compare Dumps…" diffs: one
 * header line per VM, then one line per mapping in address order
 * (`[start, end) size object offset`, half-open like every range the
 * product prints), so two dumps line up mapping by mapping
 * whatever their spacing, and a change shows as a changed line. Pure (no
 * `vscode`), unit-tested.
 */

import { mappingBacking } from '../protocol/va-backing';
import type { VaSpace } from '../protocol/lsp-ext';

export function canonicalSpace(space: VaSpace): string {
  const lines = [`VM ${space.vm?.label ?? '(none)'}${space.window ? ` window [${space.window.start}, ${space.window.end})` : ''}`];
  const mappings = [...space.mappings].sort((a, b) => {
    const x = BigInt(a.start);
    const y = BigInt(b.start);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (const m of mappings) {
    lines.push(`  [${m.start}, ${m.end}) size ${m.range} ${mappingBacking(m)} offset ${m.offset}`);
  }
  if (mappings.length === 0) lines.push('  (no mappings)');
  return lines.join('\n');
}
