/**
 * The visible structure of patches, gpuvas dumps and trace headers, read
 * line by line: mails, files and hunks of a patch; VM blocks and rows of a
 * dump; the `#` header of an ftrace file. It feeds the outline and folding
 * ranges, needs no analysis, and is linear in the lines it looks at.
 */

import type { LineSource } from './line-source';

export interface OutlineNode {
  readonly name: string;
  readonly detail: string;
  readonly kind: 'message' | 'file' | 'hunk' | 'vm' | 'mapping';
  /** 0-based first and last line. */
  readonly line: number;
  endLine: number;
  readonly children: OutlineNode[];
}

const MAIL_START = /^From [0-9a-f]{40} /;
const DIFF_START = /^diff --git a\/(\S+) b\/(\S+)/;
const HUNK_START = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/** Mails (mbox), files and hunks of a patch, nested. */
export function patchOutline(lines: LineSource): OutlineNode[] {
  const roots: OutlineNode[] = [];
  let message: OutlineNode | undefined;
  let file: OutlineNode | undefined;
  let hunk: OutlineNode | undefined;
  const close = (node: OutlineNode | undefined, line: number): void => {
    if (node) node.endLine = Math.max(node.line, line);
  };
  for (let n = 0; n < lines.lineCount; n++) {
    const text = lines.line(n);
    if (MAIL_START.test(text)) {
      close(hunk, n - 1);
      close(file, n - 1);
      close(message, n - 1);
      hunk = file = undefined;
      message = { name: 'mail', detail: '', kind: 'message', line: n, endLine: n, children: [] };
      roots.push(message);
      continue;
    }
    if (message && message.name === 'mail' && text.startsWith('Subject: ')) {
      const subject = text.slice(9).trim();
      const named: OutlineNode = { ...message, name: subject || 'mail' };
      roots[roots.indexOf(message)] = named;
      message = named;
      continue;
    }
    const diff = DIFF_START.exec(text);
    if (diff) {
      close(hunk, n - 1);
      close(file, n - 1);
      hunk = undefined;
      file = {
        name: diff[2] as string,
        detail: diff[1] === diff[2] ? '' : `from ${diff[1]}`,
        kind: 'file',
        line: n,
        endLine: n,
        children: [],
      };
      (message ? message.children : roots).push(file);
      continue;
    }
    const header = HUNK_START.exec(text);
    if (header && file) {
      close(hunk, n - 1);
      const context = (header[5] ?? '').trim();
      hunk = { name: `@@ -${header[1]} +${header[3]} @@`, detail: context, kind: 'hunk', line: n, endLine: n, children: [] };
      file.children.push(hunk);
      continue;
    }
    if (text === '-- ' && hunk) {
      // The signature separator of a mail ends the last hunk.
      close(hunk, n - 1);
      close(file, n - 1);
      hunk = file = undefined;
    }
  }
  const last = lines.lineCount - 1;
  if (hunk && hunk.endLine === hunk.line) close(hunk, last);
  if (file && file.endLine === file.line) close(file, last);
  if (message) close(message, last);
  return roots;
}

const DUMP_HEADER = /^DRM GPU VA space \((.*)\) \[(0x[0-9a-f]+);(0x[0-9a-f]+)\]/;
const DUMP_ROW = /^\s+\| (0x[0-9a-f]+) \| (0x[0-9a-f]+) \| (0x[0-9a-f]+) \| (0x[0-9a-f]+) \| (0x[0-9a-f]+)/;

/** Rows listed per VM block in the outline; a dump can hold hundreds of thousands. */
const MAX_ROWS_PER_VM = 2000;

/** VM blocks of a gpuvas dump (docs/model.md, "The gpuvas debugfs dump") with their mapping rows. */
export function dumpOutline(lines: LineSource): OutlineNode[] {
  const roots: OutlineNode[] = [];
  let vm: OutlineNode | undefined;
  for (let n = 0; n < lines.lineCount; n++) {
    const text = lines.line(n);
    const header = DUMP_HEADER.exec(text);
    if (header) {
      vm = { name: header[1] || '(unnamed VM)', detail: `[${header[2]}, ${header[3]})`, kind: 'vm', line: n, endLine: n, children: [] };
      roots.push(vm);
      continue;
    }
    if (!vm) continue;
    const row = DUMP_ROW.exec(text);
    if (row) {
      vm.endLine = n;
      if (vm.children.length < MAX_ROWS_PER_VM) {
        const object = /^0x0+$/.test(row[4] as string) ? 'sparse' : `object ${row[4]}`;
        vm.children.push({
          name: `[${row[1]}, ${row[3]})`,
          detail: `${object} +${row[5]}`,
          kind: 'mapping',
          line: n,
          endLine: n,
          children: [],
        });
      }
    } else if (text.trim() !== '') {
      vm.endLine = n;
    }
  }
  return roots;
}

export interface Fold {
  readonly start: number;
  readonly end: number;
  readonly comment?: boolean;
}

/** Folds for every node of an outline that spans more than one line. */
export function outlineFolds(nodes: readonly OutlineNode[], into: Fold[] = []): Fold[] {
  for (const node of nodes) {
    if (node.endLine > node.line) into.push({ start: node.line, end: node.endLine });
    outlineFolds(node.children, into);
  }
  return into;
}

/** The `#` header block at the top of an ftrace `trace` file. */
export function traceHeaderFold(lines: LineSource): Fold[] {
  let end = -1;
  for (let n = 0; n < lines.lineCount && lines.line(n).startsWith('#'); n++) end = n;
  return end > 0 ? [{ start: 0, end, comment: true }] : [];
}
