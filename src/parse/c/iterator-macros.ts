/**
 * The kernel's iterator macros (`list_for_each_entry(pos, head, member)`,
 * `xa_for_each(xa, index, entry)`, …): which of their arguments they assign
 * on every round. The path rules forget, at a loop head, what the previous
 * round's cursor held or released, and the lock rules take the element from
 * it, so all of them must agree on where the cursor is: this is the one
 * table they read.
 *
 * Invariant: indexes are 0-based argument positions, ascending (a negative one
 * counts from the end, for walks whose leading arguments changed across
 * kernel versions but whose cursors stayed last); a macro not
 * in the table assigns its first argument (and its second when the name says
 * `_safe`, the spare cursor), as the list, gpuvm and most driver iterators do.
 */

interface Family {
  readonly name: RegExp;
  /** Cursor positions, and those of the `_safe` form (with its spare cursor). */
  readonly cursors: readonly number[];
  readonly safeCursors: readonly number[];
  /** The cursor that is the walked element (not an index, a bucket or the spare). */
  readonly element: number;
  readonly safeElement: number;
  /** With positions counted from the end: the fewest arguments a whole call has (a damaged one assigns nothing). */
  readonly minArgs?: number;
}

/** Families whose cursors are not the leading arguments, by name; the first match wins. */
const FAMILIES: readonly Family[] = [
  // xa_for_each(xa, index, entry); _start/_range/_marked add arguments after them.
  { name: /^xa_for_each/, cursors: [1, 2], safeCursors: [1, 2], element: 2, safeElement: 2 },
  // idr_for_each_entry(idr, entry, id), _continue likewise.
  { name: /^idr_for_each_entry/, cursors: [1, 2], safeCursors: [1, 2], element: 1, safeElement: 1 },
  // hash_for_each_possible(table, obj, member, key); _safe(table, obj, tmp, member, key).
  { name: /^hash_for_each_possible/, cursors: [1], safeCursors: [1, 2], element: 1, safeElement: 1 },
  // hash_for_each(table, bkt, obj, member); _safe(table, bkt, tmp, obj, member).
  { name: /^hash_for_each/, cursors: [1, 2], safeCursors: [1, 2, 3], element: 2, safeElement: 3 },
  // dma_resv_for_each_fence_unlocked(cursor, fence); dma_resv_for_each_fence(cursor, obj, usage, fence).
  { name: /^dma_resv_for_each_fence_unlocked$/, cursors: [0, 1], safeCursors: [0, 1], element: 1, safeElement: 1 },
  { name: /^dma_resv_for_each_fence$/, cursors: [0, 3], safeCursors: [0, 3], element: 3, safeElement: 3 },
  // Device-tree and firmware-node walks: for_each_child_of_node(parent, child), device_for_each_child_node(dev, child).
  {
    name: /^(?:for_each_(?:available_)?child_of_node|for_each_endpoint_of_node|(?:device|fwnode)_for_each_(?:available_)?child_node)(?:_scoped)?$/,
    cursors: [1],
    safeCursors: [1],
    element: 1,
    safeElement: 1,
  },
  // Scatterlists: for_each_sg(sgl, sg, nents, i), for_each_sgtable_sg(sgt, sg, i).
  { name: /^for_each_sg$/, cursors: [1, 3], safeCursors: [1, 3], element: 1, safeElement: 1 },
  { name: /^for_each_sgtable_(?:dma_)?sg$/, cursors: [1, 2], safeCursors: [1, 2], element: 1, safeElement: 1 },
  // Atomic state walks: for_each_new_crtc_in_state(state, crtc, new_crtc_state, i), the oldnew forms with
  // both states, i915's for_each_new_intel_plane_in_state(state, plane, new_plane_state, i): all but the state.
  {
    name: /^for_each_(?:new_|old_|oldnew_)\w*_in_state$/,
    cursors: [1, 2, 3, 4],
    safeCursors: [1, 2, 3, 4],
    element: 1,
    safeElement: 1,
  },
  // i915 display walks over a device: for_each_intel_crtc(dev, crtc), for_each_intel_fbc(i915, fbc, id),
  // for_each_intel_crtc_in_pipe_mask(dev, crtc, mask), for_each_pipe(i915, pipe); the plane walk of one crtc
  // takes the crtc and assigns the plane, and the connector iterator leads with its cursor as usual.
  { name: /^for_each_intel_plane_on_crtc$/, cursors: [2], safeCursors: [2], element: 2, safeElement: 2 },
  { name: /^for_each_intel_crtc_in_pipe_mask\w*$/, cursors: [1], safeCursors: [1], element: 1, safeElement: 1 },
  { name: /^for_each_intel_fbc$/, cursors: [1, 2], safeCursors: [1, 2], element: 1, safeElement: 1 },
  {
    name: /^(?:for_each_intel_(?!connector_iter$)\w+|for_each_pipe(?:_masked)?)$/,
    cursors: [1],
    safeCursors: [1],
    element: 1,
    safeElement: 1,
  },
  // amdgpu's page-table walks end with their cursors: for_each_amdgpu_vm_pt_dfs_safe(adev, vm, cursor, entry),
  // later (adev, vm, start, cursor, entry); for_each_amdgpu_vm_pt_leaf(adev, vm, start, end, cursor).
  { name: /^for_each_amdgpu_vm_pt_dfs_safe$/, cursors: [-2, -1], safeCursors: [-2, -1], element: -1, safeElement: -1, minArgs: 4 },
  { name: /^for_each_amdgpu_vm_pt_leaf$/, cursors: [-1], safeCursors: [-1], element: -1, safeElement: -1, minArgs: 5 },
  // drm_exec_for_each_locked_object(exec, index, obj), _reverse likewise.
  { name: /^drm_exec_for_each_locked_object/, cursors: [1, 2], safeCursors: [1, 2], element: 2, safeElement: 2 },
];

/** The leading-argument iterators: `list_for_each_entry(pos, …)`, `_safe(pos, n, …)`. */
const LEADING: Family = { name: /./, cursors: [0], safeCursors: [0, 1], element: 0, safeElement: 0 };

function familyOf(name: string): Family {
  return FAMILIES.find((family) => family.name.test(name)) ?? LEADING;
}

/** The argument of an iterator macro call that is the walked element (`pos`, an xarray's `entry`), as written. */
export function iteratorElement(name: string, args: readonly string[]): string | undefined {
  const family = familyOf(name);
  return argumentAt(family, args, name.includes('_safe') ? family.safeElement : family.element);
}

function argumentAt(family: Family, args: readonly string[], position: number): string | undefined {
  return args.length < (family.minArgs ?? 0) ? undefined : args.at(position);
}

/** Whether a call is an iterator macro's head (`*for_each*`). */
export function isIteratorMacro(name: string): boolean {
  return name.includes('for_each');
}

/** The arguments an iterator macro call assigns on every round (its cursors), as written. */
export function iteratorCursors(name: string, args: readonly string[]): string[] {
  const cursors: string[] = [];
  const family = familyOf(name);
  for (const position of name.includes('_safe') ? family.safeCursors : family.cursors) {
    const arg = argumentAt(family, args, position);
    if (arg !== undefined) cursors.push(arg);
  }
  return cursors;
}

/**
 * Loop macros whose body always runs at least once: `drm_exec_until_all_locked(&exec) { … }` expands to a
 * `for` whose first test is skipped (it loops while drm_exec_cleanup() asks for a retry). Read as a
 * `do … while`, so no path leaves such a loop before its body ran.
 */
export function runsBodyFirst(name: string): boolean {
  return name === 'drm_exec_until_all_locked';
}

/**
 * Loop macros that run their body exactly once around a get and a put: i915's
 * `with_intel_runtime_pm(rpm, wakeref) { … }`, `with_intel_display_power(i915, domain, wakeref) x = …;`
 * (a `for` that takes the wakeref, runs the body and drops it). The `_if_` forms
 * (`with_intel_runtime_pm_if_in_use()`) may skip it, and are ordinary loops.
 */
export function runsBodyOnce(name: string): boolean {
  return /^with_\w+$/.test(name) && !name.includes('_if_');
}

/**
 * Iterator macros that hold a reference on their cursor while the body runs and drop it when they step to
 * the next element: leaving the loop early (`break`, `return`, `goto`) keeps the reference, which the code
 * must drop itself or hand on. `_scoped` forms drop it by themselves and are not here.
 */
const REFERENCE_ITERATORS: ReadonlyMap<string, { readonly cursor: number; readonly release: string }> = new Map([
  // dma-fence-chain.h: dma_fence_chain_walk() puts the previous element and gets the next.
  ['dma_fence_chain_for_each', { cursor: 0, release: 'dma_fence_put' }],
  // of.h: the device-tree walks get each node and put the previous one.
  ['for_each_child_of_node', { cursor: 1, release: 'of_node_put' }],
  ['for_each_available_child_of_node', { cursor: 1, release: 'of_node_put' }],
  ['for_each_endpoint_of_node', { cursor: 1, release: 'of_node_put' }],
  ['for_each_node_by_name', { cursor: 0, release: 'of_node_put' }],
  ['for_each_node_by_type', { cursor: 0, release: 'of_node_put' }],
  ['for_each_compatible_node', { cursor: 0, release: 'of_node_put' }],
  ['for_each_matching_node', { cursor: 0, release: 'of_node_put' }],
  ['for_each_node_with_property', { cursor: 0, release: 'of_node_put' }],
  // property.h: the firmware-node walks likewise.
  ['device_for_each_child_node', { cursor: 1, release: 'fwnode_handle_put' }],
  ['fwnode_for_each_child_node', { cursor: 1, release: 'fwnode_handle_put' }],
  ['fwnode_for_each_available_child_node', { cursor: 1, release: 'fwnode_handle_put' }],
]);

/** The cursor slot and the release of an iterator macro that holds a reference on its cursor. */
export function referenceIterator(name: string): { readonly cursor: number; readonly release: string } | undefined {
  return REFERENCE_ITERATORS.get(name);
}
