/**
 * Kernel-version settings of the model. Behaviour that changed between kernel
 * releases is a switch here, never a fork of the model (docs/model.md, "Versions").
 *
 * The default is the v6.18 baseline that the replay vectors were produced with.
 */

export type KernelVersion = '6.8' | '6.17' | '6.18' | '6.19' | '7.0';

export interface ModelOptions {
  readonly version: KernelVersion;
  /** `drm_gpuvm_range_valid` rejects `range == 0` (newest trees only). */
  readonly rejectZeroRange: boolean;
  /** `drm_gpuvm_prepare_range` skips VAs without a GEM object (newer fix; 6.18 passes NULL on). */
  readonly prepareRangeSkipsNullObject: boolean;
  /** `DRM_GPUVM_IMMEDIATE_MODE` exists (6.18+); before, the GEM-list lock is always the resv. */
  readonly immediateModeSupported: boolean;
  /** `drm_gpuvm_bo_obtain(_locked)` WARNs in immediate mode (7.0). */
  readonly obtainWarnsInImmediateMode: boolean;
  /** Deferred VM_BO cleanup exists: put_deferred, unlink_defer, deferred_cleanup, zombies (6.19+). */
  readonly deferredCleanup: boolean;
}

const BY_VERSION: Record<KernelVersion, ModelOptions> = {
  '6.8': option('6.8', false, false, false, false, false),
  '6.17': option('6.17', false, false, false, false, false),
  '6.18': option('6.18', false, false, true, false, false),
  '6.19': option('6.19', false, false, true, false, true),
  '7.0': option('7.0', true, true, true, true, true),
};

function option(
  version: KernelVersion,
  rejectZeroRange: boolean,
  prepareRangeSkipsNullObject: boolean,
  immediateModeSupported: boolean,
  obtainWarnsInImmediateMode: boolean,
  deferredCleanup: boolean,
): ModelOptions {
  return { version, rejectZeroRange, prepareRangeSkipsNullObject, immediateModeSupported, obtainWarnsInImmediateMode, deferredCleanup };
}

export const DEFAULT_VERSION: KernelVersion = '6.18';

export function optionsFor(version: KernelVersion = DEFAULT_VERSION, overrides: Partial<ModelOptions> = {}): ModelOptions {
  return { ...BY_VERSION[version], ...overrides };
}

export function isKernelVersion(text: string): text is KernelVersion {
  return Object.prototype.hasOwnProperty.call(BY_VERSION, text);
}
