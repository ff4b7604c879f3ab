/**
 * Hover: on a GPUVM script line, the ops the line produced and the VA space
 * after it (and, on an address, the mapping covering it); on a trace line, the
 * event in words, the VM's mappings after it, the reference count of the
 * object involved, and on an address the mapping covering it at that moment
 * (see `trace-features.ts`). Markdown, bounded in size: tables
 * stop after `MAX_ROWS` rows.
 */

import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import { hex } from '../../base/u64';
import type { DocumentSnapshot } from '../documents';
import { pathToFileURL } from 'node:url';
import { guard, type ServerContext } from '../context';
import { findingsWithTraces } from '../log-correlation';
import { creationLine, identityAt, scriptOf, sectionAt, stateAfter, vaCovering, vmLabel, type ScriptState } from '../../ide/script-queries';
import { traceHover } from '../../ide/trace-queries';
import { decodeFtraceLine } from '../../ide/trace-line-words';

const MAX_ROWS = 40;

/** How long a hover waits for a running analysis before it answers from the line's text alone. */
const HOVER_WAIT_MS = 300;

function code(text: string): string {
  return '`' + text.replace(/`/g, "'") + '`';
}

/** The VA space as one Markdown table (its rows must be joined by single line breaks to render as a table); undefined when empty. */
function vaTable(snapshot: DocumentSnapshot, state: ScriptState, index: number): string | undefined {
  const rows = state.vas.filter((va) => !va.kernel);
  if (rows.length === 0) return undefined;
  const out = ['| range | object | offset | created |', '|---|---|---|---|'];
  for (const va of rows.slice(0, MAX_ROWS)) {
    const created = creationLine(snapshot, va, index);
    out.push(
      `| [${hex(va.addr)}, ${hex(va.addr + va.range)}) | ${va.bo === null ? 'sparse' : `bo ${va.bo}`} | ${hex(va.offset)} | ${created === null ? 'unknown' : `line ${created + 1}`} |`,
    );
  }
  const table = out.join('\n');
  return rows.length > MAX_ROWS ? `${table}\n\n…and ${rows.length - MAX_ROWS} more.` : table;
}

export function scriptHover(snapshot: DocumentSnapshot, line: number, character: number): Hover | null {
  const script = scriptOf(snapshot);
  const scriptLine = script.lines[line];
  if (!scriptLine || scriptLine.command.kind === 'comment') return null;
  const block = script.replay.blocks[line] ?? [];
  const parts: string[] = [`**${code(scriptLine.text.trim())}** (line ${line + 1})`];
  if (block.length) parts.push('Replay output:\n```text\n' + block.slice(0, MAX_ROWS).join('\n') + '\n```');
  else parts.push('_No output: the command changes nothing the kernel reports._');

  const state = stateAfter(snapshot, line);
  const identity = identityAt(scriptLine.text, character);
  if (identity?.kind === 'addr' && state.valid) {
    const va = vaCovering(state, identity.value);
    if (va) {
      const created = creationLine(snapshot, va, line);
      parts.push(
        `**${hex(identity.value)}** is mapped after this line by [${hex(va.addr)}, ${hex(va.addr + va.range)}) → ` +
          `${va.kernel ? 'the kernel-reserved node' : va.bo === null ? 'a sparse mapping' : `bo ${va.bo} at offset ${hex(va.offset + (identity.value - va.addr))}`}` +
          `${created === null ? '' : `, created on line ${created + 1}`}.`,
      );
    } else {
      parts.push(`**${hex(identity.value)}** is not mapped after this line.`);
    }
  }
  if (!state.valid) {
    parts.push(`_No VA space to show: ${state.reason ?? 'unknown'}._`);
  } else {
    const section = sectionAt(snapshot, line);
    const table = vaTable(snapshot, state, line);
    const title = `**VA space after line ${line + 1}**${section ? ` — ${vmLabel(section)}` : ''}`;
    if (table) parts.push(`${title}:`, table);
    else parts.push(`${title}: no mappings.`);
    const bos = state.bos.filter((bo) => bo.vas > 0 || bo.vmBoRefcount !== null || bo.refcount !== 1);
    if (bos.length) {
      parts.push(
        '**BOs**: ' +
          bos
            .slice(0, MAX_ROWS)
            .map(
              (bo) =>
                `bo ${bo.id} ref=${bo.refcount}${bo.vmBoRefcount === null ? '' : ` vm_bo ref=${bo.vmBoRefcount}`} (${bo.vas} VA${bo.vas === 1 ? '' : 's'})`,
            )
            .join(' · '),
      );
    }
  }
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n') } };
}

export function traceLineHover(text: string): Hover | null {
  const event = decodeFtraceLine(text);
  if (!event) return null;
  const parts = [`**${code(event.event)}** at ${event.seconds} s on CPU ${event.cpu}, task ${code(`${event.task}-${event.pid}`)}`];
  if (event.fields.length) {
    parts.push(
      '| field | value |\n|---|---|\n' +
        event.fields
          .slice(0, MAX_ROWS)
          .map(([key, value]) => `| ${key} | ${code(value)} |`)
          .join('\n'),
    );
  }
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n') } };
}

/**
 * On a kernel-log line: its findings, the fault-to-mapping answers from the
 * traces among them, with their trace lines as links (one list item each).
 */
export function logHover(ctx: ServerContext, snapshot: DocumentSnapshot, line: number): Hover | null {
  const findings = findingsWithTraces(ctx.store, snapshot).filter((finding) => finding.line - 1 === line);
  if (findings.length === 0) return null;
  const parts = findings.map((finding) => {
    const links = finding.related.map((related) => {
      const uri = related.path === undefined ? snapshot.uri : pathToFileURL(related.path).toString();
      const name = uri.slice(uri.lastIndexOf('/') + 1);
      return `  - [${name}:${related.line}](${uri}#L${related.line}) ${related.message}`;
    });
    return [`- **${code(finding.rule)}** ${finding.message}`, ...links].join('\n');
  });
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n') } };
}

export function register(ctx: ServerContext): void {
  ctx.connection.onHover(
    guard<HoverParams, Hover | null>(ctx, 'textDocument/hover', null, async (params, token) => {
      const uri = params.textDocument.uri;
      const { line, character } = params.position;
      // While a large document is still being analyzed, answer from the line alone rather than wait.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const snapshot = await Promise.race([
        ctx.store.snapshot(uri, token),
        new Promise<'busy'>((resolve) => (timer = setTimeout(() => resolve('busy'), HOVER_WAIT_MS))),
      ]);
      clearTimeout(timer);
      if (snapshot === 'busy') {
        const lines = ctx.store.lines(uri);
        return lines ? traceLineHover(lines.line(line)) : null;
      }
      if (!snapshot) return null;
      if (snapshot.kind === 'script') return scriptHover(snapshot, line, character);
      if (snapshot.kind === 'kernel-log') return logHover(ctx, snapshot, line);
      if (snapshot.kind === 'trace') {
        if (!snapshot.trace) return traceLineHover(snapshot.lines.line(line));
        const value = traceHover(snapshot, snapshot.trace, line, character);
        return value ? { contents: { kind: MarkupKind.Markdown, value } } : null;
      }
      return null;
    }),
  );
}
