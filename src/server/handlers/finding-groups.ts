/**
 * `gpuvmLens/findingGroups`: a document's diagnostics with the VM and the
 * mapping each finding is about, for the Findings view's grouping. A trace
 * finding belongs to the VM and mapping its line's event touches (from the
 * trace index); a script finding to the `vm` section it is in and the range
 * its command names. Other kinds have no VMs: their owners are empty.
 */

import { hex } from '../../base/u64';
import { FindingGroupsRequest, type FindingGroups, type FindingGroupsParams, type FindingOwner } from '../../protocol/lsp-ext';
import type { Finding } from '../../rules/rule';
import { findingsToDiagnostics } from '../convert';
import { guard, type ServerContext } from '../context';
import type { DocumentSnapshot } from '../documents';
import { findingsWithTraces } from '../log-correlation';
import { commandSpan, scriptOf, sectionAt, vmId, vmLabel } from '../../ide/script-queries';
import { vmKeyOf } from '../../ide/trace-replay-index';

const NO_OWNER: FindingOwner = { vm: null, vmLabel: null, mapping: null };

/** `vm:xe:000000005e6f7a8b` -> `xe VM 000000005e6f7a8b`. */
function traceVmLabel(key: string): string {
  const [, driver, name] = /^vm:([^:]+):(.*)$/.exec(key) ?? [];
  return driver === undefined ? key : `${driver} VM ${name}`;
}

function traceOwners(snapshot: DocumentSnapshot, findings: readonly Finding[]): FindingOwner[] {
  const index = snapshot.trace;
  if (!index) return findings.map(() => NO_OWNER);
  const wanted = new Set(findings.map((finding) => finding.line));
  const vmAt = new Map<number, string>();
  const mappingAt = new Map<number, string>();
  // One pass over the index's occurrences of VMs and mappings, kept only on finding lines.
  for (const key of index.objectKeys()) {
    const isVm = key.startsWith('vm:');
    if (!isVm && !key.startsWith('mapping:')) continue;
    for (const line of index.linesOf(key)) {
      if (!wanted.has(line)) continue;
      if (isVm) vmAt.set(line, key);
      else if (!mappingAt.has(line)) mappingAt.set(line, key);
    }
  }
  return findings.map((finding) => {
    const mapping = mappingAt.get(finding.line);
    const vm = vmAt.get(finding.line) ?? (mapping ? vmKeyOf(mapping) : undefined);
    if (!vm) return NO_OWNER;
    return { vm, vmLabel: traceVmLabel(vm), mapping: mapping ? mapping.slice(mapping.lastIndexOf('/') + 1) : null };
  });
}

function scriptOwners(snapshot: DocumentSnapshot, findings: readonly Finding[]): FindingOwner[] {
  const script = scriptOf(snapshot);
  return findings.map((finding) => {
    const section = sectionAt(snapshot, finding.line - 1);
    if (!section) return NO_OWNER;
    const command = script.lines[finding.line - 1]?.command;
    const span = command ? commandSpan(command) : undefined;
    return { vm: vmId(section), vmLabel: vmLabel(section), mapping: span ? `[${hex(span.addr)}, ${hex(span.addr + span.range)})` : null };
  });
}

export function findingGroups(snapshot: DocumentSnapshot, ctx: ServerContext): FindingGroups {
  const sorted = [...findingsWithTraces(ctx.store, snapshot)].sort((a, b) => a.line - b.line || a.column - b.column);
  const { diagnostics } = findingsToDiagnostics(sorted, snapshot.uri, snapshot.lines, ctx.config());
  // The diagnostics keep the findings' order; the level overrides may have dropped some, so match by line and rule.
  const owners =
    snapshot.kind === 'trace'
      ? traceOwners(snapshot, sorted)
      : snapshot.kind === 'script'
        ? scriptOwners(snapshot, sorted)
        : sorted.map(() => NO_OWNER);
  const byFinding = new Map<string, FindingOwner[]>();
  sorted.forEach((finding, i) => {
    const key = `${finding.line - 1}/${finding.rule}`;
    const list = byFinding.get(key) ?? [];
    list.push(owners[i] ?? NO_OWNER);
    byFinding.set(key, list);
  });
  return {
    uri: snapshot.uri,
    kind: snapshot.kind,
    diagnostics,
    owners: diagnostics.map(
      (diagnostic) => byFinding.get(`${diagnostic.range.start.line}/${String(diagnostic.code)}`)?.shift() ?? NO_OWNER,
    ),
  };
}

export function register(ctx: ServerContext): void {
  ctx.connection.onRequest(
    FindingGroupsRequest,
    guard<FindingGroupsParams, FindingGroups | null>(ctx, FindingGroupsRequest.method, null, async (params, token) => {
      const snapshot = await ctx.store.indexedSnapshot(params.textDocument.uri, token);
      return snapshot ? findingGroups(snapshot, ctx) : null;
    }),
  );
}
