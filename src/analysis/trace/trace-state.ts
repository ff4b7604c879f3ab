/**
 * The replayed state of a trace: every live VM of every driver, each a real
 * `GpuVm` of the drm_gpuvm engine (src/model) whose VA tree holds the live
 * mappings as `TraceMapping`s (a `GpuVa` plus where it came from), with
 * GEM objects linked through VM_BOs so object references are modelled too.
 *
 * Identities are what the trace prints: hashed pointers for Xe VMAs/VMs and
 * i915 address spaces, `(vm, first page)` for amdgpu mappings. Mappings whose
 * identity the trace has not named yet (pieces left by a partial unbind) are
 * anonymous (`key === null`) until an event names them by their exact range.
 *
 * Memory is proportional to live state: unbound mappings and freed VMs leave
 * tombstones (for use-after-free findings) in bounded first-in-first-out maps.
 *
 * Addresses, ranges and offsets are the engine's `Num64`s: a VM holds numbers
 * while every value it meets is below 2^53 (the number path of
 * src/model/number-path.ts, no bigint per event) and moves to bigints for good
 * when one is not (`TraceVm.admit`); values are the same either way, and so
 * are findings (test/unit/analysis/trace/number-path.property.test.ts).
 *
 * Invariants: a `TraceMapping` is in its VM's tree iff it is live; a keyed
 * live mapping is in `byKey` under its key; `liveMappings` counts all live
 * mappings of all VMs, and a VM's `anonymous` its live mappings without a key.
 */

import { detach } from '../../base/detach-string';
import { stringHash } from '../../base/string-hash';
import { cachedTextEqual } from '../../parse/trace/code-units';
import { add, sub, toU64, U64_MAX, type Num64, type U64 } from '../../base/u64';
import { GemObject, GpuVa, GpuVm } from '../../model/objects';
import { boExtobjAdd, boObtain, boPut, gpuvmInit, resvObjectAlloc, vaInsert, vaLink, vaRemove, vaUnlink } from '../../model/gpuvm';
import { KernelEnv, Lock } from '../../model/kernel-env';
import { mapOnNumbers } from '../../model/number-path';
import { optionsFor } from '../../model/options';

export type VmDriver = 'xe' | 'amdgpu' | 'i915';

/** The VA window printed for a VM of each driver (`state`), as documented by the driver. */
export const DRIVER_WINDOW: Readonly<Record<VmDriver, { start: U64; range: U64 }>> = {
  // Xe: 48-bit VA space on current platforms (va_bits); amdgpu: 48-bit GPUVM;
  // i915: 48-bit full PPGTT.
  xe: { start: 0n, range: 1n << 48n },
  amdgpu: { start: 0n, range: 1n << 48n },
  i915: { start: 0n, range: 1n << 48n },
};

/**
 * Whether a driver's mapping events name the backing object. Xe VMA events
 * carry none (`userptr=` holds the BO offset, or the CPU address of a
 * userptr): an Xe mapping without an object is "object not traced", not a
 * sparse (NULL-object) mapping.
 */
export const DRIVER_TRACES_OBJECTS: Readonly<Record<VmDriver, boolean>> = { xe: false, amdgpu: true, i915: true };

/** A live mapping: the engine's `drm_gpuva` plus its trace history. */
export class TraceMapping extends GpuVa {
  changedLine: number;
  changedEvent: string;
  /** A userptr mapping (seen in a userptr event). */
  userptr = false;
  /** Line of an invalidation not yet followed by a rebind; 0 when none. */
  invalidatedLine = 0;
  /** The mapping existed before the trace started (first seen in a non-bind event). */
  adopted = false;
  /** When it was linked to its object (`TraceState` order of links), 0 when it has none; for object links without model objects. */
  linkOrder = 0;

  constructor(
    addr: Num64,
    range: Num64,
    obj: GemObject | null,
    offset: Num64,
    public key: string | null,
    readonly owner: TraceVm,
    readonly createdLine: number,
    readonly createdTs: number,
    readonly createdEvent: string,
    /** Object identity as the trace prints it, '' when none. */
    readonly objectKey: string,
  ) {
    super(addr, range, obj, offset);
    this.changedLine = createdLine;
    this.changedEvent = createdEvent;
  }

  /** Makes this removed mapping a new one, as the constructor would (`TraceState` recycling). */
  reuse(
    addr: Num64,
    range: Num64,
    obj: GemObject | null,
    offset: Num64,
    key: string | null,
    owner: TraceVm,
    createdLine: number,
    createdTs: number,
    createdEvent: string,
    objectKey: string,
  ): this {
    this.reset(addr, range, obj, offset);
    const self = this as { owner: TraceVm; createdLine: number; createdTs: number; createdEvent: string; objectKey: string };
    this.key = key;
    self.owner = owner;
    self.createdLine = createdLine;
    self.createdTs = createdTs;
    self.createdEvent = createdEvent;
    self.objectKey = objectKey;
    this.changedLine = createdLine;
    this.changedEvent = createdEvent;
    this.userptr = false;
    this.invalidatedLine = 0;
    this.adopted = false;
    this.linkOrder = 0;
    return this;
  }
}

export interface VmTombstone {
  readonly key: string;
  readonly name: string;
  readonly createdLine: number;
  readonly freedLine: number;
}

export interface MappingTombstone {
  readonly createdLine: number;
  readonly unboundLine: number;
  readonly unboundEvent: string;
}

/**
 * What a VM_BO is to the trace rules, without the model's objects: when it
 * was created (`TraceState` order) and how many live mappings link it.
 */
interface ObjectLink {
  readonly order: number;
  mappings: number;
}

/** A VM of the trace. */
export class TraceVm {
  readonly gpuvm: GpuVm;
  readonly byKey = new Map<string, TraceMapping>();
  /** The trace showed the VM's creation, so every mapping it had is in the trace. */
  birthSeen: boolean;
  changedLine: number;
  killedLine = 0;
  /** Mappings invalidated and not yet rebound. */
  readonly invalidated = new Set<TraceMapping>();
  /** Live mappings without a key (pieces a partial unbind left): while there are none, no event can adopt one. */
  anonymous = 0;
  /** Unbound mappings by key, bounded (use-after-unbind findings). */
  readonly unbound = new TombstoneMap(TOMBSTONES_PER_VM);
  /** Driver extras (Xe `dev`, `asid`; amdgpu process). */
  dev = '';
  asid = '';
  /** Xe `vm flags` from the VM's creation, null when the layout does not print them. */
  vmFlags: number | null = null;
  /** The objects its live mappings link, by key, when the state keeps no model objects (`TraceState` recycling). */
  readonly objectLinks = new Map<string, ObjectLink>();

  constructor(
    env: KernelEnv,
    readonly driver: VmDriver,
    readonly key: string,
    public name: string,
    readonly createdLine: number,
    /** Creation order, for `state` output. */
    readonly order: number,
    birthSeen: boolean,
    /** On the bigint path from the start (`TraceState.exact`). */
    exact = false,
  ) {
    // The engine window is the whole u64 space: a trace reports what the
    // kernel accepted, so the model must not reject it a second time. Given
    // from a number start, it puts the VM on the number path (`admit`).
    this.gpuvm = gpuvmInit(env, {
      name,
      flags: { resvProtected: false, immediateMode: false },
      start: exact ? 0n : 0,
      range: U64_MAX,
      kernelStart: 0,
      kernelRange: 0,
      rObj: resvObjectAlloc(),
    });
    this.birthSeen = birthSeen;
    this.changedLine = createdLine;
  }

  get liveCount(): number {
    return this.gpuvm.tree.size;
  }

  /** Objects its live mappings link (the engine's `extobj` list: every traced object has its own resv). */
  get objectCount(): number {
    return this.gpuvm.extobj.size + this.objectLinks.size;
  }

  /**
   * Readies the VM for values [start, last] at `offset`: a VM on the number
   * path (`model/number-path.ts`) meeting values that do not all qualify as
   * numbers moves to bigints for good, before anything compares or stores
   * them; then `value` gives each in the VM's representation. Either way the
   * values compared and stored are the same, so findings do not depend on
   * the path.
   */
  admit(start: Num64, last: Num64, offset: Num64): void {
    if (this.gpuvm.numbers && !spanQualifies(start, last, offset)) this.gpuvm.widen();
  }

  /** `v` in this VM's representation (after `admit` of the values it came with). */
  value(v: Num64): Num64 {
    return this.gpuvm.numbers ? v : toU64(v);
  }

  /** The live mapping containing `addr`, if any (lookups take either representation). */
  mappingAt(addr: Num64): TraceMapping | null {
    return this.gpuvm.tree.iterFirst(addr, addr) as TraceMapping | null;
  }

  /** Every live mapping overlapping [start, last], in address order. */
  overlapping(start: Num64, last: Num64): TraceMapping[] {
    const found: TraceMapping[] = [];
    const tree = this.gpuvm.tree;
    for (let va = tree.iterFirst(start, last) as TraceMapping | null; va && va.start <= last; va = tree.next(va) as TraceMapping | null) {
      if (va.last >= start) found.push(va);
    }
    return found;
  }

  /** Live mappings in address order. */
  *mappings(): IterableIterator<TraceMapping> {
    const tree = this.gpuvm.tree;
    for (let va = tree.first() as TraceMapping | null; va; va = tree.next(va) as TraceMapping | null) yield va;
  }
}

/** A mapping as plain data (checkpoints, `state` output); values in its VM's representation. */
export interface MappingSnapshot {
  readonly key: string | null;
  readonly start: Num64;
  /** Inclusive. */
  readonly last: Num64;
  readonly objectKey: string;
  readonly offset: Num64;
  readonly createdLine: number;
  readonly createdTs: number;
  readonly createdEvent: string;
  readonly changedLine: number;
  readonly changedEvent: string;
  readonly userptr: boolean;
  readonly invalidatedLine: number;
  readonly adopted: boolean;
}

/** A VM as plain data. */
export interface VmSnapshot {
  readonly driver: VmDriver;
  readonly key: string;
  readonly name: string;
  readonly createdLine: number;
  readonly order: number;
  readonly birthSeen: boolean;
  readonly changedLine: number;
  readonly killedLine: number;
  readonly dev: string;
  readonly asid: string;
  readonly vmFlags: number | null;
  readonly mappings: readonly MappingSnapshot[];
}

export interface StateSnapshot {
  readonly vms: readonly VmSnapshot[];
  readonly aliases: readonly (readonly [string, string])[];
  readonly submittedJobs: readonly string[];
  readonly vmOrder: number;
}

/** The state before the first line of a trace. */
export const EMPTY_STATE_SNAPSHOT: StateSnapshot = { vms: [], aliases: [], submittedJobs: [], vmOrder: 0 };

export function snapshotMapping(mapping: TraceMapping): MappingSnapshot {
  return {
    key: mapping.key,
    start: mapping.start,
    last: mapping.last,
    objectKey: mapping.objectKey,
    offset: mapping.offset,
    createdLine: mapping.createdLine,
    createdTs: mapping.createdTs,
    createdEvent: mapping.createdEvent,
    changedLine: mapping.changedLine,
    changedEvent: mapping.changedEvent,
    userptr: mapping.userptr,
    invalidatedLine: mapping.invalidatedLine,
    adopted: mapping.adopted,
  };
}

/** A VM as plain data, with `mappings` (by default its live mappings', copied). */
export function snapshotVm(vm: TraceVm, mappings: readonly MappingSnapshot[] = [...vm.mappings()].map(snapshotMapping)): VmSnapshot {
  return {
    driver: vm.driver,
    key: vm.key,
    name: vm.name,
    createdLine: vm.createdLine,
    order: vm.order,
    birthSeen: vm.birthSeen,
    changedLine: vm.changedLine,
    killedLine: vm.killedLine,
    dev: vm.dev,
    asid: vm.asid,
    vmFlags: vm.vmFlags,
    mappings,
  };
}

/**
 * A bounded map that forgets old entries in generations: when the current
 * generation is full it becomes the old one and the previous old one is
 * dropped. Every operation is O(1); evicting one oldest entry at a time from
 * a JS Map is not (iteration from the start skips every deleted slot).
 * Holds between `limit` and 2 x `limit` entries once full.
 */
export class GenerationalMap<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    return this.current.get(key) ?? this.previous.get(key);
  }
  set(key: string, value: V): void {
    if (this.current.size >= this.limit) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.previous.delete(key);
    this.current.set(key, value);
  }
  delete(key: string): void {
    this.current.delete(key);
    this.previous.delete(key);
  }
  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/**
 * Bits of a `TombstoneGeneration`'s key filter (a power of two): eight per
 * key of a full generation (`TOMBSTONES_PER_VM`), so a key a generation does
 * not hold is looked up in its map one time in nine at most (with 4096 bits,
 * a trace unbinding thousands of mappings per VM probed the maps for most
 * binds); 2 KB per generation.
 */
const FILTER_BITS = 16384;

/**
 * A key's bit in a generation's filter: its `stringHash`, folded. The
 * same key always gives the same bit, whichever string holds it.
 */
function filterBit(key: string): number {
  const hash = stringHash(key);
  return (hash ^ (hash >>> 15)) & (FILTER_BITS - 1);
}

/**
 * One generation of a `TombstoneMap`: keys to slots of parallel arrays, freed
 * slots reused, and a one-bit-per-key filter of the keys it was given since
 * it was last cleared (a bit is never cleared by a delete, so a clear bit
 * means the key is not there; a set one, that it may be). Every bind asks
 * whether its key has a tombstone to drop, and nine times in ten it has
 * none: the filter answers that without probing a map.
 */
class TombstoneGeneration {
  readonly slots = new Map<string, number>();
  /** Made at the first key (most VMs never unbind anything). */
  private filter: Int32Array | null = null;
  readonly createdLines: number[] = [];
  readonly unboundLines: number[] = [];
  readonly unboundEvents: string[] = [];
  readonly free: number[] = [];
  /**
   * Slots handed out so far, and how many of `free` are free: the arrays
   * keep their storage from one generation to the next (emptying an array
   * drops it, and refilling allocates it again).
   */
  used = 0;
  freeCount = 0;

  /** Empties it for reuse as the new current generation (its arrays are kept). */
  clear(): void {
    this.slots.clear();
    this.filter?.fill(0);
    this.used = 0;
    this.freeCount = 0;
  }

  /** False when `key` (its `filterBit`) is certainly not in `slots`. */
  mayHave(bit: number): boolean {
    const filter = this.filter;
    return filter !== null && ((filter[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }

  /** The slot of `key` (`bit` its `filterBit`), a new one when it has none. */
  slotFor(key: string, bit: number): number {
    let slot = this.mayHave(bit) ? this.slots.get(key) : undefined;
    if (slot === undefined) {
      slot = this.take();
      this.slots.set(key, slot);
      const filter = (this.filter ??= new Int32Array(FILTER_BITS >>> 5));
      filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
    }
    return slot;
  }

  /** The slot of `key`, undefined when it has none. */
  slotOf(key: string, bit: number): number | undefined {
    return this.mayHave(bit) ? this.slots.get(key) : undefined;
  }

  /** A slot for a new key. */
  take(): number {
    return this.freeCount > 0 ? (this.free[--this.freeCount] as number) : this.used++;
  }

  delete(key: string, bit: number): void {
    const slot = this.slotOf(key, bit);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.free[this.freeCount++] = slot;
  }
}

/**
 * The unbound mappings of a VM by key: a `GenerationalMap` of
 * `MappingTombstone`s with the same eviction, whose entries are slots of
 * parallel arrays rather than an object per unbind (a long capture unbinds
 * millions of mappings, and each tombstone outlived young collections).
 */
export class TombstoneMap {
  private current = new TombstoneGeneration();
  private previous = new TombstoneGeneration();
  constructor(private readonly limit: number) {}

  get(key: string): MappingTombstone | undefined {
    const bit = filterBit(key);
    let generation = this.current;
    let slot = generation.slotOf(key, bit);
    if (slot === undefined) {
      generation = this.previous;
      slot = generation.slotOf(key, bit);
      if (slot === undefined) return undefined;
    }
    return {
      createdLine: generation.createdLines[slot] as number,
      unboundLine: generation.unboundLines[slot] as number,
      unboundEvent: generation.unboundEvents[slot] as string,
    };
  }

  has(key: string): boolean {
    const bit = filterBit(key);
    return this.current.slotOf(key, bit) !== undefined || this.previous.slotOf(key, bit) !== undefined;
  }

  set(key: string, createdLine: number, unboundLine: number, unboundEvent: string): void {
    let current = this.current;
    if (current.slots.size >= this.limit) {
      const dropped = this.previous;
      dropped.clear();
      this.previous = current;
      this.current = current = dropped;
    }
    const bit = filterBit(key);
    if (this.previous.slots.size > 0) this.previous.delete(key, bit);
    const slot = current.slotFor(key, bit);
    current.createdLines[slot] = createdLine;
    current.unboundLines[slot] = unboundLine;
    current.unboundEvents[slot] = unboundEvent;
  }

  delete(key: string): void {
    const bit = filterBit(key);
    this.current.delete(key, bit);
    if (this.previous.slots.size > 0) this.previous.delete(key, bit);
  }

  get size(): number {
    return this.current.slots.size + this.previous.slots.size;
  }
}

const TOMBSTONE_LIMIT = 65536;
/** Removed mappings kept for reuse at most (a VM freed with many mappings must not pin them all). */
const SPARE_LIMIT = 4096;
const TOMBSTONES_PER_VM = 2048;

/** Told about every mapping that becomes live or stops being live (`MappingHistory`). */
export interface MappingObserver {
  inserted(mapping: TraceMapping): void;
  removed(mapping: TraceMapping, line: number, ts: number, event: string): void;
}

export class TraceState {
  readonly env: KernelEnv;
  /** Timestamp of the event being replayed (for observers). */
  currentTs = 0;
  observer: MappingObserver | null = null;
  /** Live VMs by driver-qualified key (`xe:<key>`). */
  readonly vms = new Map<string, TraceVm>();
  /** The same VMs by driver, then key: the per-event lookup without building a key. */
  private readonly byDriver: Readonly<Record<VmDriver, Map<string, TraceVm>>> = { xe: new Map(), amdgpu: new Map(), i915: new Map() };
  private readonly freedVms = new GenerationalMap<VmTombstone>(TOMBSTONE_LIMIT);
  /**
   * GEM objects by driver, then pointer, while some VM maps them (no key is
   * built per event). Not kept when recycling: the streaming analyzer's
   * rules need only which objects each VM links, and in which order
   * (`TraceVm.objectLinks`), not a GEM object and a VM_BO per bind.
   */
  private readonly gems: Readonly<Record<VmDriver, Map<string, GemObject>>> = { xe: new Map(), amdgpu: new Map(), i915: new Map() };
  private vmOrder = 0;
  /** Driver-specific aliases (Xe ASID -> VM pointer for old layouts, amdgpu PASID -> process). */
  readonly aliases = new Map<string, string>();
  /**
   * Jobs (Xe: by fence pointer) whose submission the trace showed and that
   * are not freed yet: their later runs were judged when they were submitted.
   */
  readonly submittedJobs = new Set<string>();
  /** VMs that have invalidated, not yet rebound mappings (entries may be stale; check `invalidated`). */
  readonly vmsWithInvalidated = new Set<TraceVm>();
  vmsSeen = 0;
  mappingsBound = 0;
  liveMappings = 0;
  /** Kernel WARNs raised by the engine while applying the current event. */
  readonly warnings: string[] = [];

  /**
   * Mappings removed during the current event, and removed ones ready for
   * reuse (`recycle`): a bind then allocates nothing that outlives young
   * garbage collections, which is most of what a long capture costs.
   */
  private readonly retired: (TraceMapping | null)[] = [];
  private readonly spare: (TraceMapping | null)[] = [];
  /**
   * How many of `retired` and `spare` are in use: the arrays keep their
   * length, since emptying an array (`length = 0`) drops its storage and the
   * next push allocates it again, once per event that removes a mapping.
   */
  private retiredCount = 0;
  private spareCount = 0;
  /** Order of object links and of VM_BO creations without model objects (`objectLinks`). */
  private links = 0;

  /**
   * `exact`: every VM on the bigint path from its creation (see
   * `TraceVm.admit`). `recycle`: removed mappings are reused from the next
   * event on, for an owner that keeps no mapping across events (the
   * streaming analyzer): an observer turns it off.
   */
  constructor(
    private readonly exact = false,
    private readonly recycle = false,
  ) {
    this.env = new KernelEnv(optionsFor(), (event) => {
      // WARNs are real model findings.
      if (event.kind === 'warn') this.warnings.push(event.text);
    });
    // A trace carries no lock information, so lockdep results would be
    // meaningless here: do not evaluate them at all.
    this.env.checkLocks = false;
  }

  static vmId(driver: VmDriver, key: string): string {
    return `${driver}:${key}`;
  }

  vm(driver: VmDriver, key: string): TraceVm | undefined {
    return this.byDriver[driver].get(key);
  }

  freedVm(driver: VmDriver, key: string): VmTombstone | undefined {
    return this.freedVms.get(TraceState.vmId(driver, key));
  }

  /** Creates a VM (`birthSeen`: the trace shows its creation). */
  createVm(driver: VmDriver, rawKey: string, rawName: string, line: number, birthSeen: boolean): TraceVm {
    // Keys and names outlive the line they were cut from (see `detach`).
    const key = owned(rawKey);
    const name = rawName === rawKey ? key : owned(rawName);
    const id = TraceState.vmId(driver, key);
    const old = this.vms.get(id);
    if (old) this.dropVm(old, line);
    this.freedVms.delete(id);
    const vm = new TraceVm(this.env, driver, key, name, line, this.vmOrder++, birthSeen, this.exact);
    this.vms.set(id, vm);
    this.byDriver[driver].set(key, vm);
    this.vmsSeen++;
    return vm;
  }

  /** The VM, adopted (existing before the trace) when first seen. */
  vmOrAdopt(driver: VmDriver, key: string, name: string, line: number): TraceVm {
    return this.vm(driver, key) ?? this.createVm(driver, key, name, line, false);
  }

  /** Frees a VM: it and its mappings leave the state; a tombstone remains. */
  freeVm(vm: TraceVm, line: number): void {
    this.dropVm(vm, line);
    this.freedVms.set(TraceState.vmId(vm.driver, vm.key), { key: vm.key, name: vm.name, createdLine: vm.createdLine, freedLine: line });
  }

  private dropVm(vm: TraceVm, line: number): void {
    for (const mapping of [...vm.mappings()]) this.removeMapping(mapping, line, 'vm freed', false);
    this.vms.delete(TraceState.vmId(vm.driver, vm.key));
    this.byDriver[vm.driver].delete(vm.key);
  }

  unboundTombstone(vm: TraceVm, key: string): MappingTombstone | undefined {
    return vm.unbound.get(key);
  }

  /** Whether `vm` has a tombstone for mapping `key` (`unboundTombstone` without building it). */
  hasUnboundTombstone(vm: TraceVm, key: string): boolean {
    return vm.unbound.has(key);
  }

  private gem(driver: VmDriver, objectKey: string): GemObject {
    const gems = this.gems[driver];
    let gem = gems.get(objectKey);
    if (!gem) {
      gem = new GemObject(objectKey, 0n, new Lock(`bo${objectKey}.resv`));
      gems.set(objectKey, gem);
    }
    return gem;
  }

  /**
   * The live mapping through which object `objectKey` is mapped first, as
   * the engine orders them: the first VM_BO of the object (in creation
   * order), then its first linked VA; undefined when no VM maps it.
   */
  firstMappingOf(driver: VmDriver, objectKey: string): TraceMapping | undefined {
    if (!this.recycle) {
      const gem = this.gems[driver].get(objectKey);
      if (!gem) return undefined;
      for (const vmBo of gem.vmBos) {
        const mapping = vmBo.vas.values().next().value as TraceMapping | undefined;
        if (mapping) return mapping;
      }
      return undefined;
    }
    let owner: TraceVm | undefined;
    let order = Infinity;
    for (const vm of this.byDriver[driver].values()) {
      const link = vm.objectLinks.get(objectKey);
      if (link && link.order < order) {
        owner = vm;
        order = link.order;
      }
    }
    if (!owner) return undefined;
    let first: TraceMapping | undefined;
    for (const mapping of owner.mappings()) {
      if (mapping.objectKey === objectKey && (!first || mapping.linkOrder < first.linkOrder)) first = mapping;
    }
    return first;
  }

  /**
   * Inserts mapping `rawKey` over [requestStart, last] (inclusive), made by
   * `event` at `line`; the caller has removed whatever overlapped it. The
   * request comes as arguments, not as an object: one bind, no garbage.
   */
  insertMapping(
    vm: TraceVm,
    rawKey: string | null,
    requestStart: Num64,
    last: Num64,
    rawObjectKey: string,
    requestOffset: Num64,
    line: number,
    ts: number,
    event: string,
  ): TraceMapping {
    const key = rawKey === null ? null : owned(rawKey);
    const objectKey = rawObjectKey === '' ? '' : owned(rawObjectKey);
    const linked = objectKey !== '';
    const obj = linked && !this.recycle ? this.gem(vm.driver, objectKey) : null;
    vm.admit(requestStart, last, requestOffset);
    let start = requestStart;
    let range: Num64;
    let offset = requestOffset;
    if (vm.gpuvm.numbers) {
      range = (last as number) + 1 - (start as number);
    } else {
      start = toU64(start);
      offset = toU64(offset);
      range = add(sub(toU64(last), start), 1n);
    }
    let spare: TraceMapping | null = null;
    if (this.spareCount > 0) {
      spare = this.spare[--this.spareCount] as TraceMapping;
      this.spare[this.spareCount] = null;
    }
    const mapping = spare
      ? spare.reuse(start, range, obj, offset, key, vm, line, ts, event, objectKey)
      : new TraceMapping(start, range, obj, offset, key, vm, line, ts, event, objectKey);
    if (vaInsert(vm.gpuvm, mapping) !== 0) return mapping;
    if (obj) {
      const vmBo = boObtain(vm.gpuvm, obj);
      boExtobjAdd(vmBo);
      vaLink(mapping, vmBo);
      boPut(vmBo);
    } else if (linked) {
      mapping.linkOrder = ++this.links;
      const link = vm.objectLinks.get(objectKey);
      if (link) link.mappings++;
      else vm.objectLinks.set(objectKey, { order: mapping.linkOrder, mappings: 1 });
    }
    if (key !== null) {
      vm.byKey.set(key, mapping);
      if (vm.unbound.size > 0) vm.unbound.delete(key);
    } else {
      vm.anonymous++;
    }
    vm.changedLine = line;
    this.mappingsBound++;
    this.liveMappings++;
    this.observer?.inserted(mapping);
    return mapping;
  }

  /** Removes a live mapping; `tombstone` records it for use-after-unbind findings. */
  removeMapping(mapping: TraceMapping, line: number, event: string, tombstone = true): void {
    if (!mapping.inserted) return;
    const vm = mapping.owner;
    vaUnlink(mapping);
    vaRemove(mapping);
    this.liveMappings--;
    this.observer?.removed(mapping, line, this.currentTs, event);
    // Only a mapping with an invalidation line is in `invalidated` (see `clearInvalidation`).
    if (mapping.invalidatedLine !== 0) vm.invalidated.delete(mapping);
    vm.changedLine = line;
    const obj = mapping.obj;
    if (obj) {
      if (obj.vmBos.size === 0) this.gems[vm.driver].delete(obj.label);
    } else if (mapping.linkOrder !== 0) {
      const link = vm.objectLinks.get(mapping.objectKey);
      if (link && --link.mappings === 0) vm.objectLinks.delete(mapping.objectKey);
    }
    if (mapping.key === null) vm.anonymous--;
    if (mapping.key !== null) {
      if (vm.byKey.get(mapping.key) === mapping) vm.byKey.delete(mapping.key);
      if (tombstone) {
        vm.unbound.set(mapping.key, mapping.createdLine, line, event);
      }
    }
    if (this.recycle && this.observer === null) this.retired[this.retiredCount++] = mapping;
  }

  /**
   * A new event begins: mappings removed by the previous one are no longer
   * referenced by anything (findings and tombstones copy what they need), so
   * they become reusable.
   */
  beginEvent(): void {
    const retired = this.retired;
    const count = this.retiredCount;
    if (count === 0) return;
    const spare = this.spare;
    for (let i = 0; i < count; i++) {
      if (this.spareCount < SPARE_LIMIT) spare[this.spareCount++] = retired[i] as TraceMapping;
      // Past the limit a removed mapping is let go.
      retired[i] = null;
    }
    this.retiredCount = 0;
  }

  /**
   * Unmaps [start, last] from every mapping it overlaps, as a partial unbind
   * does: mappings inside are removed, straddling ones are split and their
   * outside pieces re-inserted (offsets advanced), named by `pieceKey`.
   * Returns the mappings that were touched.
   */
  unmapRange(
    vm: TraceVm,
    start: Num64,
    last: Num64,
    line: number,
    ts: number,
    event: string,
    pieceKey: (pieceStart: Num64, old: TraceMapping) => string | null,
  ): TraceMapping[] {
    const touched = vm.overlapping(start, last);
    if (touched.length === 0) return touched;
    vm.admit(start, last, 0);
    start = vm.value(start);
    last = vm.value(last);
    for (const old of touched) {
      this.removeMapping(old, line, event);
      // A piece lies inside `old`, so on the number path its values stay
      // below 2^53 (`model/number-path.ts`).
      if (old.start < start) {
        const pieceLast = typeof start === 'number' ? start - 1 : sub(start, 1n);
        const piece = this.insertMapping(vm, pieceKey(old.start, old), old.start, pieceLast, old.objectKey, old.offset, line, ts, event);
        inherit(piece, old);
      }
      if (old.last > last) {
        let pieceStart: Num64;
        let offset: Num64;
        if (typeof last === 'number') {
          pieceStart = last + 1;
          offset = (old.offset as number) + (pieceStart - (old.start as number));
        } else {
          pieceStart = add(last, 1n);
          offset = add(old.offset as U64, sub(pieceStart, old.start as U64));
        }
        const piece = this.insertMapping(vm, pieceKey(pieceStart, old), pieceStart, old.last, old.objectKey, offset, line, ts, event);
        inherit(piece, old);
      }
    }
    return touched;
  }

  /** Live VMs in creation order. */
  vmsInOrder(): TraceVm[] {
    return [...this.vms.values()].sort((a, b) => a.order - b.order);
  }

  /** The live state as plain data; `snapshotOfVm` takes each VM's (by default `snapshotVm`: its mappings copied). */
  snapshot(snapshotOfVm: (vm: TraceVm) => VmSnapshot = (vm) => snapshotVm(vm)): StateSnapshot {
    return {
      vms: this.vmsInOrder().map(snapshotOfVm),
      aliases: [...this.aliases],
      submittedJobs: [...this.submittedJobs],
      vmOrder: this.vmOrder,
    };
  }

  /** Rebuilds live state from a snapshot (tombstones are not part of it). */
  static restore(snapshot: StateSnapshot): TraceState {
    const state = new TraceState();
    for (const data of snapshot.vms) {
      const vm = new TraceVm(state.env, data.driver, data.key, data.name, data.createdLine, data.order, data.birthSeen);
      vm.changedLine = data.changedLine;
      vm.killedLine = data.killedLine;
      vm.dev = data.dev;
      vm.asid = data.asid;
      vm.vmFlags = data.vmFlags;
      state.vms.set(TraceState.vmId(data.driver, data.key), vm);
      state.byDriver[data.driver].set(data.key, vm);
      for (const m of data.mappings) {
        const mapping = state.insertMapping(vm, m.key, m.start, m.last, m.objectKey, m.offset, m.createdLine, m.createdTs, m.createdEvent);
        mapping.changedLine = m.changedLine;
        mapping.changedEvent = m.changedEvent;
        mapping.userptr = m.userptr;
        mapping.invalidatedLine = m.invalidatedLine;
        mapping.adopted = m.adopted;
        if (m.invalidatedLine !== 0) {
          vm.invalidated.add(mapping);
          state.vmsWithInvalidated.add(vm);
        }
      }
      vm.changedLine = data.changedLine;
    }
    for (const [key, value] of snapshot.aliases) state.aliases.set(key, value);
    for (const job of snapshot.submittedJobs) state.submittedJobs.add(job);
    state.vmOrder = snapshot.vmOrder;
    state.vmsSeen = snapshot.vms.length;
    state.mappingsBound = 0;
    return state;
  }

  /**
   * Adopts the anonymous piece with exactly [start, last] (or, with
   * `containing`, the one containing it) under `key`, if there is one.
   */
  adoptPiece(vm: TraceVm, key: string, start: Num64, last: Num64, containing = false): TraceMapping | undefined {
    if (vm.anonymous === 0) return undefined;
    const candidate = vm.mappingAt(start);
    if (!candidate || candidate.key !== null) return undefined;
    vm.admit(start, last, 0);
    start = vm.value(start);
    last = vm.value(last);
    const exact = candidate.start === start && candidate.last === last;
    // An unbind may be narrowed (Xe skips rewriting aligned pieces), so it can
    // name a piece by a sub-range; other events show the whole VMA.
    if (!exact && !(containing && candidate.start <= start && candidate.last >= last)) return undefined;
    const ownKey = owned(key);
    candidate.key = ownKey;
    vm.anonymous--;
    vm.byKey.set(ownKey, candidate);
    this.observer?.inserted(candidate);
    return candidate;
  }
}

/**
 * [start, last] at `offset` qualifies as a number-path request
 * (`mapOnNumbers` of `start`, `last + 1 - start`, `offset`): all numbers,
 * `last + 1` at most 2^53 - 1 and not below `start` (the range does not wrap).
 */
function spanQualifies(start: Num64, last: Num64, offset: Num64): boolean {
  return typeof start === 'number' && typeof last === 'number' && last + 1 >= start && mapOnNumbers(start, last + 1 - start, offset);
}

/** `text` as a string that may outlive its line: the decoder's cached value as it is, anything else detached. */
function owned(text: string): string {
  return cachedTextEqual(text) ?? detach(text);
}

function inherit(piece: TraceMapping, old: TraceMapping): void {
  piece.userptr = old.userptr;
  piece.adopted = old.adopted;
}
