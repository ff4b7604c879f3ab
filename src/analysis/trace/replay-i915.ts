/**
 * Replays i915 events (docs/trace-formats.md, "Drivers") on the `TraceState`: VMA bind
 * and unbind of GEM objects into an address space (`vm=`, GGTT or PPGTT),
 * `i915_ppgtt_create` / `_release` as the PPGTT's life, and object
 * destruction while still bound. A mapping's identity is its offset in its
 * address space; `offset` + `size` are bytes.
 */

import { isZero64, MAX_EXACT, toU64 } from '../../base/u64';
import { field, hexField, pointerField } from '../../parse/trace/decode-event';
import { pointerKey } from '../../parse/trace/payload-format';
import { traceUseAfterFree } from '../../rules/trace/trace-use-after-free';
import { ANONYMOUS_PIECES, bindMapping, freeVm, liveVm, unbindMapping } from './replay-common';
import { addr, addrEnd, mappingRelated, type ReplayContext } from './replay-context';

export function replayI915(ctx: ReplayContext): void {
  const name = ctx.decoded.spec.name;
  switch (name) {
    case 'i915_ppgtt_create': {
      const key = pointerField(ctx.decoded, 'vm') ?? pointerKey('');
      ctx.state.createVm('i915', key, key, ctx.line, true);
      ctx.touch('vm', 'i915', key);
      return;
    }
    case 'i915_ppgtt_release': {
      const key = pointerField(ctx.decoded, 'vm') ?? pointerKey('');
      freeVm(ctx, 'i915', key, key);
      return;
    }
    case 'i915_vma_bind':
    case 'i915_vma_unbind':
      return replayVma(ctx);
    case 'i915_gem_object_destroy':
      return replayObjectDestroy(ctx);
    case 'i915_context_create':
    case 'i915_context_free':
    case 'i915_gem_evict':
    case 'i915_gem_evict_node':
    case 'i915_gem_evict_vm': {
      const vm = field(ctx.decoded, 'vm');
      if (vm !== undefined) {
        const key = pointerKey(vm);
        liveVm(ctx, 'i915', key, key);
      }
      return;
    }
    default:
      return;
  }
}

function replayVma(ctx: ReplayContext): void {
  const key = pointerField(ctx.decoded, 'vm') ?? pointerKey('');
  const vm = liveVm(ctx, 'i915', key, key);
  if (!vm) return;
  const objectKey = pointerField(ctx.decoded, 'obj') ?? pointerKey('');
  ctx.touch('bo', 'i915', objectKey);
  const start = hexField(ctx.decoded, 'offset');
  const size = hexField(ctx.decoded, 'size');
  if (isZero64(size)) return;
  // Not wrapped, as the trace says; in numbers only while exact (below 2^53,
  // a true sum past 2^53 - 1 rounds to at least 2^53).
  const last =
    typeof start === 'number' && typeof size === 'number' && start + size <= MAX_EXACT ? start + size - 1 : toU64(start) + toU64(size) - 1n;
  const mappingKey = start.toString(16);
  if (ctx.decoded.spec.name === 'i915_vma_bind') {
    bindMapping(ctx, vm, { key: mappingKey, start, last, objectKey, offset: 0 });
    return;
  }
  unbindMapping(ctx, vm, mappingKey, start, last, vm.byKey.get(mappingKey), ANONYMOUS_PIECES);
}

function replayObjectDestroy(ctx: ReplayContext): void {
  const objectKey = pointerField(ctx.decoded, 'obj') ?? pointerKey('');
  ctx.touch('bo', 'i915', objectKey);
  const mapping = ctx.state.firstMappingOf('i915', objectKey);
  if (mapping) {
    ctx.report(
      traceUseAfterFree.report(
        ctx.span,
        'objectFreed',
        {
          event: ctx.decoded.spec.name,
          object: objectKey,
          vm: mapping.owner.name,
          start: addr(mapping.start),
          end: addrEnd(mapping.last),
        },
        mappingRelated(mapping),
      ),
    );
  }
}
