/**
 * Every patch rule with its check, in report order. The rule registry
 * (`src/rules/index.ts`) lists the rules; the patch analyzer runs the checks.
 */

import type { Rule } from '../rule';
import type { PatchRuleCheck } from './review-context';
import { refcountReadConditionCheck } from './refcount-read-condition';
import { lockAssertionWeakenedCheck } from './lock-assertion-weakened';
import { weakReferenceCheck } from './weak-reference';
import { resourceLeakCheck } from './resource-leak';
import { doubleReleaseCheck } from './double-release';
import { useAfterPutCheck } from './use-after-put';
import { gpuvmPutUnderGpuvaLockCheck } from './gpuvm-put-under-gpuva-lock';
import { gpuvmDeferredUnderGpuvaLockCheck } from './gpuvm-deferred-under-gpuva-lock';
import { resvLockUnderGpuvaLockCheck } from './resv-lock-under-gpuva-lock';
import { reclaimInSignallingPathCheck } from './reclaim-in-signalling-path';
import { pinUserPagesLongtermCheck } from './pin-user-pages-longterm';
import { drmDevEnterUnbalancedCheck } from './drm-dev-enter-unbalanced';
import { gpuvmFreedDirectlyCheck } from './gpuvm-freed-directly';
import { gpuvaLinkUnlockedCheck } from './gpuva-link-unlocked';
import { heldLockFreedCheck } from './held-lock-freed';
import { lockOrderInversionCheck } from './lock-order-inversion';
import { unlockedFieldAccessCheck } from './unlocked-field-access';
import { writeOutsideLockedSectionCheck } from './write-outside-locked-section';
import { callWithoutAssertedLockCheck } from './call-without-asserted-lock';
import { elementLockNotHeldCheck } from './element-lock-not-held';
import { taskMmWithoutReferenceCheck } from './task-mm-without-reference';
import { publishBeforeInitCheck } from './publish-before-init';
import { sleepUnderSpinlockCheck } from './sleep-under-spinlock';
import { sleepInAtomicSectionCheck } from './sleep-in-atomic-section';
import { lockDroppedOnSomePathsCheck } from './lock-dropped-on-some-paths';
import { uninitializedReadCheck } from './uninitialized-read';
import { errorResultDroppedCheck } from './error-result-dropped';
import { loopStoreOverwrittenCheck } from './loop-store-overwritten';
import { iteratorReferenceLeakedCheck } from './iterator-reference-leaked';
import { iteratorCursorFreedCheck } from './iterator-cursor-freed';
import { spinLockIrqMismatchCheck } from './spin-lock-irq-mismatch';
import { exitFromWithBlockCheck } from './exit-from-with-block';
import { teardownMissesReleaseCheck } from './teardown-misses-release';
import { unlockBeforeLockCheck } from './unlock-before-lock';
import { deviceFreedDirectlyCheck } from './device-freed-directly';
import { failureReturnsSuccessCheck } from './failure-returns-success';
import { errnoTestedAsSuccessCheck } from './errno-tested-as-success';
import { isErrVsNullCheck } from './is-err-vs-null';
import { managedMemoryFreedCheck } from './managed-memory-freed';
import { copyUserCountReturnedCheck } from './copy-user-count-returned';
import { globalWithoutStaticCheck } from './global-without-static';
import { maybeNullDereferencedCheck } from './maybe-null-dereferenced';
import { plain64bitDivisionCheck } from './plain-64bit-division';
import { staleFieldAfterReleaseCheck } from './stale-field-after-release';
import { nullBranchDereferenceCheck } from './null-branch-dereference';
import { printkFormatTypeCheck } from './printk-format-type';
import { unwindSkipsStepCheck } from './unwind-skips-step';
import { returnSkipsUnwindCheck } from './return-skips-unwind';
import { tryAcquireNotLastCheck } from './try-acquire-not-last';
import { refcountIncFromZeroCheck } from './refcount-inc-from-zero';
import { unwindMissesAllocationCheck } from './unwind-misses-allocation';
import { addActionWithoutResetCheck } from './add-action-without-reset';
import { unwindLoopOffByOneCheck } from './unwind-loop-off-by-one';
import { referenceOnlyTestedCheck } from './reference-only-tested';
import { sysfsAttributeWithoutInitCheck } from './sysfs-attribute-without-init';
import { PATCH_INPUT_RULES } from './patch-input-rules';
import { walkLeaksElementCheck } from './walk-leaks-element';
import { readBeforeLockCheck } from './read-before-lock';
import { recursiveLockCheck } from './recursive-lock';
import { referenceAfterArmCheck } from './reference-after-arm';

export const PATCH_CHECKS: readonly PatchRuleCheck[] = [
  refcountReadConditionCheck,
  lockAssertionWeakenedCheck,
  weakReferenceCheck,
  resourceLeakCheck,
  doubleReleaseCheck,
  useAfterPutCheck,
  heldLockFreedCheck,
  publishBeforeInitCheck,
  gpuvmPutUnderGpuvaLockCheck,
  gpuvmDeferredUnderGpuvaLockCheck,
  resvLockUnderGpuvaLockCheck,
  gpuvmFreedDirectlyCheck,
  gpuvaLinkUnlockedCheck,
  reclaimInSignallingPathCheck,
  pinUserPagesLongtermCheck,
  drmDevEnterUnbalancedCheck,
  lockOrderInversionCheck,
  unlockedFieldAccessCheck,
  writeOutsideLockedSectionCheck,
  readBeforeLockCheck,
  callWithoutAssertedLockCheck,
  recursiveLockCheck,
  elementLockNotHeldCheck,
  taskMmWithoutReferenceCheck,
  sleepUnderSpinlockCheck,
  sleepInAtomicSectionCheck,
  lockDroppedOnSomePathsCheck,
  uninitializedReadCheck,
  errorResultDroppedCheck,
  loopStoreOverwrittenCheck,
  iteratorReferenceLeakedCheck,
  iteratorCursorFreedCheck,
  walkLeaksElementCheck,
  teardownMissesReleaseCheck,
  referenceAfterArmCheck,
  spinLockIrqMismatchCheck,
  exitFromWithBlockCheck,
  unlockBeforeLockCheck,
  deviceFreedDirectlyCheck,
  failureReturnsSuccessCheck,
  errnoTestedAsSuccessCheck,
  isErrVsNullCheck,
  managedMemoryFreedCheck,
  copyUserCountReturnedCheck,
  globalWithoutStaticCheck,
  maybeNullDereferencedCheck,
  plain64bitDivisionCheck,
  staleFieldAfterReleaseCheck,
  nullBranchDereferenceCheck,
  printkFormatTypeCheck,
  unwindSkipsStepCheck,
  returnSkipsUnwindCheck,
  tryAcquireNotLastCheck,
  refcountIncFromZeroCheck,
  unwindMissesAllocationCheck,
  addActionWithoutResetCheck,
  unwindLoopOffByOneCheck,
  referenceOnlyTestedCheck,
  sysfsAttributeWithoutInitCheck,
];

export const PATCH_RULES: readonly Rule[] = [...PATCH_INPUT_RULES, ...PATCH_CHECKS.map((check) => check.rule)];
