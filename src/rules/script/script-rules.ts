/**
 * Rules for GPUVM replay scripts: each turns a line of the canonical replay
 * output that signals trouble into a finding that explains the kernel
 * behaviour behind it (README.md, "GPUVM scripts": what the replay prints
 * beyond the kernel's own output).
 */

import { defineRule } from '../rule';

export const scriptBadCommand = defineRule({
  id: 'script-bad-command',
  summary: 'A line of a GPUVM script is not a command of the script language.',
  defaultSeverity: 'error',
  tags: ['script'],
  messages: { bad: 'Not a GPUVM script command ({reason}); the replay skips this line.' },
});

export const replayError = defineRule({
  id: 'replay-error',
  summary: 'A script command failed: the kernel call returned an error, or the script refers to something that does not exist.',
  defaultSeverity: 'warning',
  tags: ['script'],
  messages: {
    einval:
      'The kernel rejects this request with -EINVAL: the range overflows, leaves the VM window [{start}, {end}) or touches the kernel-reserved node.',
    errno: 'The kernel call returned {errno}.',
    noVm: 'No VM exists yet: start the script with a `vm` command.',
    noSuchBo: 'No BO with this id was created by a `bo` command.',
    boExists: 'A BO with this id already exists.',
    internal: 'The replay failed internally: {detail}.',
  },
});

export const kernelWarn = defineRule({
  id: 'kernel-warn',
  summary: 'The kernel would print a WARN (or refcount_t warning) at this point.',
  defaultSeverity: 'warning',
  tags: ['lifetime'],
  messages: { warn: 'The kernel WARNs here: "{text}"' },
});

export const lockdepAssertion = defineRule({
  id: 'lockdep-assertion',
  summary: 'A lockdep assertion evaluated by drm_gpuvm fails: the lock it requires is not held.',
  defaultSeverity: 'error',
  tags: ['locking'],
  messages: { fail: 'Lock not held: {count} lockdep assertion(s) fail here: {list}.' },
});

export const kernelCrash = defineRule({
  id: 'kernel-crash',
  summary: 'The kernel code would dereference NULL (an oops) at this point.',
  defaultSeverity: 'error',
  tags: ['lifetime'],
  messages: {
    finiUninsertedNode:
      'drm_gpuvm_fini() removes the kernel-reserved node unconditionally, but an overflowing reserved range (kstart + krange > 2^64) was never inserted: the removal dereferences NULL when this VM is destroyed.',
    prepareRangeNullObject:
      'drm_gpuvm_prepare_range() hands the GEM object of every VA in the range to drm_exec, and a VA without an object (sparse, or the kernel-reserved node) passes NULL: a NULL dereference in v6.18 (newer kernels skip such VAs).',
    other: 'The kernel dereferences NULL in {where}.',
  },
});

export const silentInsertFailure = defineRule({
  id: 'silent-insert-failure',
  summary: 'drm_gpuva_map()/drm_gpuva_remap() ignore a failed insertion: the new VA silently does not exist.',
  defaultSeverity: 'error',
  tags: ['va-space'],
  messages: {
    failed:
      'The {piece} VA [{addr}, +{range}) cannot be inserted ({errno}) and drm_gpuva_map()/drm_gpuva_remap() ignore that: the mapping is silently missing. A zero-size VA left behind by an earlier zero-range request is the usual cause.',
  },
});

export const zeroRangeRequest = defineRule({
  id: 'zero-range-request',
  summary: 'A zero-range map or unmap is accepted by v6.18 and splits the VA that straddles its address.',
  defaultSeverity: 'warning',
  tags: ['va-space'],
  messages: {
    zero: 'A zero-range {command} is not rejected by drm_gpuvm_range_valid() in v6.18: it splits any VA straddling {addr}{extra}. Drivers should reject zero-length binds themselves.',
  },
});

export const SCRIPT_RULES = [
  scriptBadCommand,
  replayError,
  kernelWarn,
  lockdepAssertion,
  kernelCrash,
  silentInsertFailure,
  zeroRangeRequest,
] as const;
