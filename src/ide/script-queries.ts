/**
 * What the editor features need to know about a GPUVM script beyond its
 * findings: the VA space and the BOs after any line, the line that created
 * each VA, the VM sections, a short summary of the ops each line produced,
 * and which identity (BO id, address) a cursor position names.
 *
 * All of it comes from the model's own replay (`runScript`): the state after
 * line N is read by replaying lines 1..N followed by `dump` and `bos` and
 * taking the typed records those produce (never their printed text), which
 * is exact and, for scripts of a few hundred lines, cheap; results are cached
 * per document version by the callers.
 */

import { hex, parseCNumber, toU64, type Num64, type U64 } from '../base/u64';
import type { GemObject } from '../model/objects';
import type { ReplayRecord } from '../model/replay-output';
import { analyzeScript, type ScriptAnalysis } from '../analysis/script-analyzer';
import type { ScriptCommand, ScriptLine } from '../parse/script/parse-script';
import { runScript } from '../model/script-runner';
import { memo, type AnalyzedDocument } from './analyzed-document';

export interface ScriptVa {
  readonly addr: U64;
  readonly range: U64;
  /** BO label, null for a sparse VA. */
  readonly bo: string | null;
  readonly offset: U64;
  readonly kernel: boolean;
}

export interface ScriptBo {
  readonly id: string;
  readonly refcount: number;
  readonly vmBoRefcount: number | null;
  readonly vas: number;
}

export interface ScriptState {
  /** False when there is no VM yet, or the modelled kernel crashed before this line. */
  readonly valid: boolean;
  readonly reason?: string;
  readonly vas: readonly ScriptVa[];
  readonly bos: readonly ScriptBo[];
}

export interface VmSection {
  /** Index of the `vm` line in the script's lines. */
  readonly index: number;
  /** Index of the section's last line. */
  readonly lastIndex: number;
  readonly start: U64;
  readonly range: U64;
}

function isScriptAnalysis(result: unknown): result is ScriptAnalysis {
  return typeof result === 'object' && result !== null && 'replay' in result && 'lines' in result;
}

/** The script analysis of a snapshot (replayed again only if the analyzer returned something else). */
export function scriptOf(snapshot: AnalyzedDocument): ScriptAnalysis {
  return memo(snapshot, 'script', () => {
    if (isScriptAnalysis(snapshot.result)) return snapshot.result;
    const text = snapshot.lines.text ?? Array.from({ length: snapshot.lines.lineCount }, (_, n) => snapshot.lines.line(n)).join('\n');
    return analyzeScript(text);
  });
}

function synthetic(line: number, command: ScriptCommand, text: string): ScriptLine {
  return { line, text, command };
}

/** The VA space and BOs after line `index` (0-based index into the script's lines). */
export function stateAfter(snapshot: AnalyzedDocument, index: number): ScriptState {
  const script = scriptOf(snapshot);
  const last = Math.min(index, script.lines.length - 1);
  return memo(snapshot, `state:${last}`, () => {
    const prefix = script.lines.slice(0, last + 1);
    const lines = [...prefix, synthetic(last + 2, { kind: 'dump' }, 'dump'), synthetic(last + 3, { kind: 'bos' }, 'bos')];
    // The model's typed records of the appended `dump` and `bos`, read field by field.
    const replay = runScript(lines);
    const dump = replay.records[prefix.length] ?? [];
    const bos = replay.records[prefix.length + 1] ?? [];
    const first = dump[0];
    if (first?.kind === 'not-run') return { valid: false, reason: 'the modelled kernel crashed earlier in the script', vas: [], bos: [] };
    if (first?.kind === 'error' && first.error === 'no-vm')
      return { valid: false, reason: 'no `vm` command has run yet', vas: [], bos: [] };
    const vas: ScriptVa[] = [];
    for (const record of dump) {
      if (record.kind !== 'va') continue;
      const va = record.va;
      vas.push({
        addr: toU64(va.addr),
        range: toU64(va.range),
        bo: va.kernel || !va.obj ? null : va.obj.label,
        offset: va.kernel ? 0n : toU64(va.offset),
        kernel: va.kernel,
      });
    }
    const boRows: ScriptBo[] = [];
    for (const record of bos) {
      if (record.kind !== 'bo') continue;
      boRows.push({
        id: record.label,
        refcount: record.refcount,
        vmBoRefcount: record.vmBo ? record.vmBo.refcount : null,
        vas: record.vmBo ? record.vmBo.vas.length : 0,
      });
    }
    return { valid: true, vas, bos: boRows };
  });
}

/** The VM sections of the script: each `vm` line up to the next one. */
export function vmSections(snapshot: AnalyzedDocument): readonly VmSection[] {
  return memo(snapshot, 'vm-sections', () => {
    const lines = scriptOf(snapshot).lines;
    const sections: VmSection[] = [];
    lines.forEach((line, index) => {
      if (line.command.kind !== 'vm') return;
      const previous = sections[sections.length - 1];
      if (previous) sections[sections.length - 1] = { ...previous, lastIndex: index - 1 };
      sections.push({ index, lastIndex: lines.length - 1, start: line.command.start, range: line.command.range });
    });
    return sections;
  });
}

export function sectionAt(snapshot: AnalyzedDocument, index: number): VmSection | undefined {
  return vmSections(snapshot).find((section) => index >= section.index && index <= section.lastIndex);
}

export function vmId(section: VmSection): string {
  return `vm@${section.index + 1}`;
}

export function vmLabel(section: VmSection): string {
  return `VM [${hex(section.start)}, ${hex(section.start + section.range)}) (line ${section.index + 1})`;
}

function vaKey(addr: string, range: string): string {
  return `${addr}|${range}`;
}

/** For each VA (by address and range), the lines (0-based indices, ascending) whose replay created such a VA. */
function creations(snapshot: AnalyzedDocument): Map<string, number[]> {
  return memo(snapshot, 'creations', () => {
    const script = scriptOf(snapshot);
    const byKey = new Map<string, number[]>();
    const add = (key: string, index: number): void => {
      const list = byKey.get(key);
      if (list) list.push(index);
      else byKey.set(key, [index]);
    };
    script.replay.records.forEach((records, index) => {
      const command = script.lines[index]?.command;
      for (const record of records) {
        if (record.kind === 'map') add(vaKey(hex(record.map.addr), hex(record.map.range)), index);
        else if (record.kind === 'remap') {
          if (record.prev) add(vaKey(hex(record.prev.addr), hex(record.prev.range)), index);
          if (record.next) add(vaKey(hex(record.next.addr), hex(record.next.range)), index);
        } else if (record.kind === 'ret' && record.ret === 0 && command?.kind === 'insert')
          add(vaKey(hex(command.addr), hex(command.range)), index);
      }
      if (command?.kind === 'vm') add(vaKey(hex(command.kernelStart), hex(command.kernelRange)), index);
    });
    return byKey;
  });
}

/** The line (0-based index) at or before `index` that created `va`, if the replay shows one. */
export function creationLine(snapshot: AnalyzedDocument, va: ScriptVa, index: number): number | null {
  const list = creations(snapshot).get(vaKey(hex(va.addr), hex(va.range)));
  if (!list) return null;
  let found: number | null = null;
  for (const candidate of list) if (candidate <= index) found = candidate;
  return found;
}

/** The VA of `state` covering `addr` (a zero-size VA covers only its own address). */
export function vaCovering(state: ScriptState, addr: U64): ScriptVa | undefined {
  return state.vas.find((va) => (va.range === 0n ? va.addr === addr : addr >= va.addr && addr < va.addr + va.range));
}

// ---------------------------------------------------------------------------
// Ops summaries (inlay hints)

/** A VA or op piece in a few characters: `addr+range`, then `sparse` or `→bo N`. */
function shortVa(desc: { readonly addr: Num64; readonly range: Num64; readonly obj: GemObject | null }, kernel = false): string {
  const where = `${hex(desc.addr)}+${hex(desc.range)}`;
  if (kernel) return where;
  return desc.obj ? `${where}→bo ${desc.obj.label}` : `${where} sparse`;
}

/** One replay record, shortened for an inlay hint; `text` is its canonical output line. */
export function summarizeRecord(record: ReplayRecord, text: string): string {
  switch (record.kind) {
    case 'map':
      return `MAP ${shortVa(record.map)}`;
    case 'unmap':
      return `UNMAP ${shortVa(record.va, record.va.kernel)}${record.keep ? ' keep' : ''}`;
    case 'remap': {
      const pieces = [...(record.prev ? [`prev ${shortVa(record.prev)}`] : []), ...(record.next ? [`next ${shortVa(record.next)}`] : [])];
      return `REMAP ${shortVa(record.unmap.va, record.unmap.va.kernel)}${pieces.length ? ` → ${pieces.join(', ')}` : ''}`;
    }
    case 'prefetch':
      return `PREFETCH ${shortVa(record.va, record.va.kernel)}`;
    case 'found':
      return record.va ? `FOUND ${shortVa(record.va, record.va.kernel)}` : text;
    default:
      return text.length > 60 ? `${text.slice(0, 59)}…` : text;
  }
}

const MAX_HINT_CHARS = 120;

/** A line's replay records (and their output lines, one each) as one inlay hint. */
export function summarizeBlock(records: readonly ReplayRecord[], block: readonly string[]): string {
  let text = '';
  for (let i = 0; i < records.length; i++) {
    const piece = summarizeRecord(records[i] as ReplayRecord, block[i] ?? '');
    const next = text ? `${text} · ${piece}` : piece;
    if (next.length > MAX_HINT_CHARS) return `${text} · …(${records.length} lines)`;
    text = next;
  }
  return text;
}

// ---------------------------------------------------------------------------
// Identities under the cursor

export interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export function tokensOf(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(/\S+/g)) {
    if (match[0].startsWith('#')) break;
    tokens.push({ text: match[0], start: match.index, end: match.index + match[0].length });
  }
  return tokens;
}

export type ScriptIdentity =
  | { readonly kind: 'bo'; readonly id: U64; readonly token: Token }
  | { readonly kind: 'addr'; readonly value: U64; readonly token: Token }
  | { readonly kind: 'vm'; readonly token: Token };

/** Which argument of each command is a BO id or an address. */
function roleOf(command: string, argument: number): 'bo' | 'addr' | 'vm' | undefined {
  if (argument < 0) return command === 'vm' ? 'vm' : undefined;
  switch (command) {
    case 'bo':
    case 'bounmap':
      return argument === 0 ? 'bo' : undefined;
    case 'map':
    case 'insert':
      return argument === 0 ? 'addr' : argument === 2 ? 'bo' : undefined;
    case 'unmap':
    case 'madvise':
    case 'prefetch':
    case 'remove':
    case 'find':
    case 'find_first':
    case 'find_prev':
    case 'find_next':
    case 'empty':
    case 'valid':
    case 'execlock_range':
      return argument === 0 ? 'addr' : undefined;
    case 'vm':
      return 'vm';
    default:
      return undefined;
  }
}

export function identityAt(text: string, character: number): ScriptIdentity | undefined {
  const tokens = tokensOf(text);
  const at = tokens.findIndex((token) => character >= token.start && character <= token.end);
  if (at === -1) return undefined;
  const token = tokens[at] as Token;
  const role = roleOf(tokens[0]?.text ?? '', at - 1);
  if (role === 'vm') return { kind: 'vm', token };
  const value = parseCNumber(token.text);
  if (value === undefined || role === undefined) return undefined;
  return role === 'bo' ? { kind: 'bo', id: value, token } : { kind: 'addr', value, token };
}

/** Every token of the script naming BO `id`, by line index. */
export function boMentions(snapshot: AnalyzedDocument, id: U64): { index: number; token: Token }[] {
  const mentions: { index: number; token: Token }[] = [];
  scriptOf(snapshot).lines.forEach((line, index) => {
    const tokens = tokensOf(line.text);
    const command = tokens[0]?.text ?? '';
    tokens.forEach((token, at) => {
      if (roleOf(command, at - 1) === 'bo' && parseCNumber(token.text) === id) mentions.push({ index, token });
    });
  });
  return mentions;
}

/** The address range a command acts on, if it has one. */
export function commandSpan(command: ScriptCommand): { addr: U64; range: U64 } | undefined {
  switch (command.kind) {
    case 'map':
    case 'insert':
    case 'unmap':
    case 'madvise':
    case 'prefetch':
    case 'remove':
    case 'find':
    case 'find_first':
    case 'empty':
    case 'valid':
    case 'execlock_range':
      return { addr: command.addr, range: command.range };
    case 'find_prev':
    case 'find_next':
      return { addr: command.at, range: 1n };
    default:
      return undefined;
  }
}

/** Lines (indices) whose command acts on a range containing `addr`. */
export function linesTouching(snapshot: AnalyzedDocument, addr: U64): number[] {
  const touching: number[] = [];
  scriptOf(snapshot).lines.forEach((line, index) => {
    const span = commandSpan(line.command);
    if (!span) return;
    const inside = span.range === 0n ? addr === span.addr : addr >= span.addr && addr < span.addr + span.range;
    if (inside) touching.push(index);
  });
  return touching;
}
