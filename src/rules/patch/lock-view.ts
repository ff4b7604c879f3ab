/**
 * The lines of one function view (a patch image's function, whole or as far
 * as the window shows it) as the lock scanner of `lock-facts` reads them:
 * each line is numbered by its fragment row, so what the scanner reports maps
 * straight back to a row of the view.
 */

import type { ScanLine } from './lock-facts';
import type { FunctionView } from './review-context';

export function viewLines(view: FunctionView): ScanLine[] {
  const lines: ScanLine[] = [];
  for (let row = view.ir.startRow; row <= view.ir.endRow; row++) {
    const source = view.rows[row];
    if (source) lines.push({ text: source.text, line: row });
  }
  return lines;
}
