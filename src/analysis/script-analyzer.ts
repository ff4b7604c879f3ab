/**
 * Analyzer for GPUVM scripts: replays the script through the model and turns
 * every line of the canonical output that signals trouble into a finding on
 * the script line that caused it. Also exposes the per-line output for the
 * editor's inline ops.
 */

import { hex } from '../base/u64';
import { parseScript, type ScriptLine } from '../parse/script/parse-script';
import { runScript, type ScriptResult } from '../model/script-runner';
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
  const replay = runScript(lines);
  const findings: Finding[] = [];
  let vmWindow = { start: '0x0', end: '0x0' };

  lines.forEach((line, index) => {
    const command = line.command;
    const span = { line: line.line, column: 1, endColumn: line.text.length + 1 };
    if (command.kind === 'bad') findings.push(scriptBadCommand.report(span, 'bad', { reason: command.reason }));
    if (command.kind === 'vm') {
      vmWindow = { start: hex(command.start), end: hex(command.start + command.range) };
    }
    if ((command.kind === 'map' || command.kind === 'unmap') && command.range === 0n) {
      const extra = command.kind === 'map' ? ' and inserts a zero-size VA that later requests cannot see' : '';
      findings.push(zeroRangeRequest.report(span, 'zero', { command: command.kind, addr: hex(command.addr), extra }));
    }
    for (const output of replay.blocks[index] ?? []) {
      const finding = findingForOutput(output, span, vmWindow);
      if (finding) findings.push(finding);
    }
  });

  const last = lines[lines.length - 1];
  const teardownSpan = { line: last ? last.line : 1 };
  for (const output of replay.teardown) {
    const finding = findingForOutput(output, teardownSpan, vmWindow);
    if (finding) findings.push(finding);
  }
  if (replay.crash) {
    const span = replay.crash.index >= 0 ? { line: (lines[replay.crash.index] as ScriptLine).line } : teardownSpan;
    findings.push(crashFinding(replay.crash.where, span));
  }

  return { kind: 'script', stats: { lines: lines.length }, findings, lines, replay };
}

function crashFinding(where: string, span: { line: number }): Finding {
  if (where === 'drm_gpuvm_fini') return kernelCrash.report(span, 'finiUninsertedNode');
  if (where === 'drm_gpuvm_prepare_range') return kernelCrash.report(span, 'prepareRangeNullObject');
  return kernelCrash.report(span, 'other', { where });
}

const LOCKDEP_FAIL = /^LOCKDEP-FAIL (\w+)\(([^)]*)\) in (\w+)$/;
const APPLY_ERR = /^APPLY-ERR (\w+) addr=(\S+) range=(\S+) .* ret=(\S+)$/;

function findingForOutput(
  output: string,
  span: { line: number; column?: number; endColumn?: number },
  vmWindow: { start: string; end: string },
): Finding | undefined {
  if (output.startsWith('WARN ')) return kernelWarn.report(span, 'warn', { text: output.slice(5) });
  const lockdep = LOCKDEP_FAIL.exec(output);
  if (lockdep) {
    return lockdepAssertion.report(span, 'fail', { assertion: lockdep[1] ?? '', lock: lockdep[2] ?? '', fn: lockdep[3] ?? '' });
  }
  const apply = APPLY_ERR.exec(output);
  if (apply) {
    return silentInsertFailure.report(span, 'failed', {
      piece: (apply[1] ?? '').toLowerCase(),
      addr: apply[2] ?? '',
      range: apply[3] ?? '',
      errno: apply[4] ?? '',
    });
  }
  switch (output) {
    case 'ERR -EINVAL':
      return replayError.report(span, 'einval', vmWindow);
    case 'ERR no-vm':
      return replayError.report(span, 'noVm');
    case 'ERR no-such-bo':
      return replayError.report(span, 'noSuchBo');
    case 'ERR bo-exists':
      return replayError.report(span, 'boExists');
    default:
      break;
  }
  if (output.startsWith('ERR internal: ')) return replayError.report(span, 'internal', { detail: output.slice(14) });
  if (output.startsWith('ERR -')) return replayError.report(span, 'errno', { errno: output.slice(4) });
  return undefined;
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
