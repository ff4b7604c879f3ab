/** The trace rules, in registry order. */

import type { Rule } from '../rule';
import { traceBindOverLiveMapping } from './trace-bind-over-live-mapping';
import { traceCrlfLineEnds } from './trace-crlf-line-ends';
import { traceFormatChanged } from './trace-format-changed';
import { traceLostEvents } from './trace-lost-events';
import { traceUnbindNeverBound } from './trace-unbind-never-bound';
import { traceUnknownEvent } from './trace-unknown-event';
import { traceUnparsableLine } from './trace-unparsable-line';
import { traceUseAfterFree } from './trace-use-after-free';
import { traceUserptrExecBeforeRebind } from './trace-userptr-exec-before-rebind';
import { traceVmFreedWithLiveMappings } from './trace-vm-freed-with-live-mappings';

export const TRACE_RULES: readonly Rule[] = [
  traceBindOverLiveMapping,
  traceUnbindNeverBound,
  traceUseAfterFree,
  traceVmFreedWithLiveMappings,
  traceUserptrExecBeforeRebind,
  traceLostEvents,
  traceFormatChanged,
  traceUnknownEvent,
  traceUnparsableLine,
  traceCrlfLineEnds,
];
