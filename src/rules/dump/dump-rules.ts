/**
 * Rules for `gpuvas` debugfs dumps: states the kernel's VA tree can never be
 * in (docs/model.md, "Invariants of the VA space"), and lines that are not
 * the dump format. A dump that shows one of them was taken without the VM
 * lock, was edited by hand, or comes from a VM whose tree is corrupt; any of
 * these is worth knowing before trusting the dump in a bug report.
 */

import { defineRule } from '../rule';

export const dumpParseError = defineRule({
  id: 'dump-parse-error',
  summary: 'A line of a gpuvas dump does not fit the format drm_debugfs_gpuva_info() prints.',
  defaultSeverity: 'warning',
  tags: ['dump', 'input'],
  messages: {
    malformedHeader: 'Malformed block header: {detail}.',
    malformedRow: 'Malformed row: {detail}; the row is not analyzed.',
    unexpectedLine: 'Unexpected line: {detail}.',
    truncatedBlock: 'Truncated block: {detail}.',
    orphanRows: 'Rows without a header: {detail}.',
  },
});

export const dumpOverlappingVas = defineRule({
  id: 'dump-overlapping-vas',
  summary: 'Two VAs of the same VM overlap, which the kernel VA tree never allows.',
  defaultSeverity: 'error',
  tags: ['dump', 'va-space'],
  messages: {
    overlap:
      'VA [{addr}, {end}) of VM "{vm}" overlaps VA [{otherAddr}, {otherEnd}) (line {otherLine}): drm_gpuva_insert() refuses overlapping VAs with -EEXIST, so the tree is corrupt or the dump raced with a bind (it must be taken under the VM lock).',
    region:
      'Region [{addr}, {end}) of VM "{vm}" overlaps region [{otherAddr}, {otherEnd}) (line {otherLine}): nouveau inserts regions into a maple tree that refuses overlaps, so its region tree is corrupt or the dump raced with a VM_BIND.',
  },
});

export const dumpRowsOutOfOrder = defineRule({
  id: 'dump-rows-out-of-order',
  summary: 'VA rows are not in address order, although the kernel prints them from its address-sorted list.',
  defaultSeverity: 'error',
  tags: ['dump', 'va-space'],
  messages: {
    order:
      'VA at {addr} of VM "{vm}" is printed after the VA at {previous} (line {previousLine}): the kernel walks its address-sorted VA list, so the list is corrupt or the dump was edited or spliced together.',
  },
});

export const dumpEndMismatch = defineRule({
  id: 'dump-end-mismatch',
  summary: 'A row whose end column is not start + range.',
  defaultSeverity: 'error',
  tags: ['dump', 'va-space'],
  messages: {
    va: 'The end {end} of this VA is not start + range = {expected}: the kernel computes the column from the other two, so the row was edited or garbled.',
    region:
      'The end {end} of this region is not start + range = {expected}: nouveau computes the column from the other two, so the row was edited or garbled.',
  },
});

export const dumpVaInReservedNode = defineRule({
  id: 'dump-va-in-reserved-node',
  summary: "A VA overlaps the VM's kernel-reserved node, which drm_gpuvm_range_valid() forbids.",
  defaultSeverity: 'error',
  tags: ['dump', 'va-space'],
  messages: {
    reserved:
      'VA [{addr}, {end}) of VM "{vm}" overlaps the kernel-reserved node [{reservedStart}, {reservedEnd}): drm_gpuvm_range_valid() rejects such requests, so this VA was inserted without validation (or the reserved node was moved).',
  },
});

export const dumpVaOutsideWindow = defineRule({
  id: 'dump-va-outside-window',
  summary: "A VA lies (partly) outside its VM's window, which drm_gpuvm_range_valid() forbids.",
  defaultSeverity: 'error',
  tags: ['dump', 'va-space'],
  messages: {
    outside:
      'VA [{addr}, {end}) of VM "{vm}" is not inside the VM window [{start}, {windowEnd}): drm_gpuvm_range_valid() rejects such requests, so this VA was inserted without validation.',
    wraps:
      'VA at {addr} with range {range} of VM "{vm}" wraps past 2^64: drm_gpuvm_range_valid() rejects such requests, so this VA was inserted without validation.',
  },
});

export const dumpZeroRangeVa = defineRule({
  id: 'dump-zero-range-va',
  summary: 'A VA of size zero is in the tree, left behind by a zero-range map request.',
  defaultSeverity: 'warning',
  tags: ['dump', 'va-space'],
  messages: {
    zero: 'A zero-size VA at {addr} in VM "{vm}": kernels that do not reject range == 0 (v6.18 and older) insert it for a zero-length bind, and its degenerate interval can make later insertions at {addr} fail, which drm_gpuva_map() ignores. Drivers should reject zero-length binds.',
  },
});

export const DUMP_RULES = [
  dumpParseError,
  dumpOverlappingVas,
  dumpRowsOutOfOrder,
  dumpEndMismatch,
  dumpVaInReservedNode,
  dumpVaOutsideWindow,
  dumpZeroRangeVa,
] as const;
