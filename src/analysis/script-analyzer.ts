/**
 * Analyzer for GPUVM scripts: replays the script through the model and turns
 * every line of the canonical output that signals trouble into a finding on
 * the script line that caused it. Also exposes the per-line output for the
 * editor's inline ops.
 */

import { add, hex } from '../base/u64';
import { optionsFor } from '../model/options';
import { parseScript, type ScriptLine } from '../parse/script/parse-script';
import { runScript, type ScriptResult } from '../model/script-runner';
import type { ReplayRecord } from '../model/replay-output';
import type { Finding } from '../rules/rule';
import {
  kernelCrash,
  kernelWarn,
  lockdepAssertion,
  replayError,
  scriptBadCommand,
  silentInsertFailure,
  zeroRangeRequest,
} from '../rules/script/script-rules';
import type { AnalysisResult, Analyzer } from './document';

export interface ScriptAnalysis extends AnalysisResult {
  readonly lines: readonly ScriptLine[];
  readonly replay: ScriptResult;
}

/** Analyzes a whole script text. */
export function analyzeScript(text: string): ScriptAnalysis {
  const lines = parseScript(text);
  const replay = runScript(lines, optionsFor(), { trace: true });
  const findings: Finding[] = [];
  const windows: { start: string; end: string }[] = [];
  let vmWindow = { start: '0x0', end: '0x0' };
  let vmLine = 1;
  let vmIndex = -1;
  const spanOf = (index: number) => {
    const line = lines[index] ?? lines[lines.length - 1];
    return line ? { line: line.line, column: 1, endColumn: line.text.length + 1 } : { line: 1 };
  };

  lines.forEach((line, index) => {
    const command = line.command;
    const span = spanOf(index);
    if (command.kind === 'bad') findings.push(scriptBadCommand.report(span, 'bad', { reason: command.reason }));
    if (command.kind === 'vm') {
      vmWindow = { start: hex(command.start), end: hex(add(command.start, command.range)) };
      vmLine = line.line;
      vmIndex = index;
    }
    windows[index] = vmWindow;
    if ((command.kind === 'map' || command.kind === 'unmap') && command.range === 0n) {
      const extra = command.kind === 'map' ? ' and inserts a zero-size VA that later requests cannot see' : '';
      findings.push(zeroRangeRequest.report(span, 'zero', { command: command.kind, addr: hex(command.addr), extra }));
    }
    for (const record of replay.records[index] ?? []) {
      const finding = replayErrorFinding(record, span, vmWindow);
      if (finding) findings.push(finding);
    }
  });

  // What happens while the VM is destroyed after the last line belongs to the
  // line that created it.
  const atLine = (index: number) => spanOf(index < 0 ? Math.max(vmIndex, 0) : index);
  const failedLocks = new Map<number, string[]>();
  for (const { index, event } of replay.events) {
    const span = atLine(index);
    if (event.kind === 'warn') findings.push(kernelWarn.report(span, 'warn', { text: event.text }));
    else if (event.kind === 'lockdep') {
      if (event.held) continue;
      const list = failedLocks.get(index) ?? [];
      list.push(`${event.assertion}(${event.lock}) in ${event.fn}`);
      failedLocks.set(index, list);
    } else {
      const origin = event.blocker ? replay.origins.get(event.blocker) : undefined;
      const related =
        origin !== undefined && lines[origin]
          ? [
              {
                line: (lines[origin] as ScriptLine).line,
                message: `the VA at ${hex(event.blocker?.addr ?? 0n)} that blocks the insertion was created here`,
              },
            ]
          : [];
      findings.push(
        silentInsertFailure.report(
          span,
          'failed',
          { piece: event.piece.toLowerCase(), addr: hex(event.va.addr), range: hex(event.va.range), errno: event.errno },
          related,
        ),
      );
    }
  }

  // One finding per line for its failed lock assertions, not one per assertion.
  for (const [index, list] of failedLocks) {
    findings.push(lockdepAssertion.report(atLine(index), 'fail', { count: list.length, list: list.join('; ') }));
  }

  if (replay.crash) {
    const span = atLine(replay.crash.index);
    findings.push(crashFinding(replay.crash.where, span, vmLine));
  }

  return { kind: 'script', stats: { lines: lines.length }, findings, lines, replay };
}

function crashFinding(where: string, span: { line: number }, vmLine: number): Finding {
  if (where === 'drm_gpuvm_fini') {
    return kernelCrash.report(span, 'finiUninsertedNode', undefined, [
      { line: vmLine, message: 'the VM with the overflowing reserved range was created here' },
    ]);
  }
  if (where === 'drm_gpuvm_prepare_range') return kernelCrash.report(span, 'prepareRangeNullObject');
  return kernelCrash.report(span, 'other', { where });
}

/** Replay errors are not kernel events: they come from the `ERR ...` lines of the output. */
function replayErrorFinding(
  record: ReplayRecord,
  span: { line: number; column?: number; endColumn?: number },
  vmWindow: { start: string; end: string },
): Finding | undefined {
  if (record.kind === 'internal') return replayError.report(span, 'internal', { detail: record.message });
  if (record.kind !== 'error') return undefined;
  switch (record.error) {
    case '-EINVAL':
      return replayError.report(span, 'einval', vmWindow);
    case 'no-vm':
      return replayError.report(span, 'noVm');
    case 'no-such-bo':
      return replayError.report(span, 'noSuchBo');
    case 'bo-exists':
      return replayError.report(span, 'boExists');
    case 'bad-command':
      return undefined;
    default:
      return replayError.report(span, 'errno', { errno: record.error });
  }
}

export const scriptAnalyzer: Analyzer = {
  kind: 'script',
  begin() {
    const parts: string[] = [];
    return {
      line(text) {
        parts.push(text);
      },
      end() {
        return analyzeScript(parts.join('\n'));
      },
    };
  },
};
