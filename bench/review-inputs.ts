/**
 * Generated inputs for the review benchmark and the robustness tests: a
 * series of patches in one mbox, each touching one driver function with
 * locks, references and error labels, and one very large patch.
 * Deterministic: the same arguments give the same text.
 */

function driverFunction(index: number, bodyLines: number, marker: '+' | ' '): string[] {
  const lines = [
    `${marker}static int xe_bench_bind_${index}(struct xe_vm *vm, struct drm_gem_object *obj, u64 addr)`,
    `${marker}{`,
    `${marker}\tstruct drm_gpuvm_bo *vm_bo;`,
    `${marker}\tint err = 0;`,
    `${marker}`,
    `${marker}\tmutex_lock(&vm->lock);`,
    `${marker}\tvm_bo = drm_gpuvm_bo_obtain(&vm->gpuvm, obj);`,
    `${marker}\tif (IS_ERR(vm_bo)) {`,
    `${marker}\t\terr = PTR_ERR(vm_bo);`,
    `${marker}\t\tgoto out_unlock;`,
    `${marker}\t}`,
  ];
  for (let k = 0; k < bodyLines; k++) {
    lines.push(
      k % 5 === 0
        ? `${marker}\tif (addr & ${k + 1}) {`
        : k % 5 === 4
          ? `${marker}\t}`
          : `${marker}\t\terr = xe_bench_step(vm, vm_bo, addr + ${k});`,
    );
  }
  lines.push(
    `${marker}\tdrm_gpuvm_bo_put(vm_bo);`,
    `${marker}out_unlock:`,
    `${marker}\tmutex_unlock(&vm->lock);`,
    `${marker}\treturn err;`,
    `${marker}}`,
    `${marker}`,
  );
  return lines;
}

/** One format-patch mail adding an error path to a function. */
export function seriesPatch(index: number, total: number): string {
  const body = driverFunction(index, 40, ' ');
  // The change: an early return between obtain and put.
  const at = 16;
  const hunkLines = [...body.slice(0, at), '+\tif (xe_vm_is_closed(vm))', '+\t\treturn -ENOENT;', ...body.slice(at)];
  const oldCount = body.length;
  return [
    `From ${'0'.repeat(39)}${index % 10} Mon Sep 17 00:00:00 2001`,
    'From: Bench Author <bench@example.org>',
    `Subject: [PATCH ${index}/${total}] drm/xe: bail out early on closed VMs in bind ${index}`,
    '',
    'Generated for the review benchmark.',
    '',
    '---',
    `diff --git a/drivers/gpu/drm/xe/xe_bench_${index}.c b/drivers/gpu/drm/xe/xe_bench_${index}.c`,
    '--- a/drivers/gpu/drm/xe/xe_bench_' + index + '.c',
    '+++ b/drivers/gpu/drm/xe/xe_bench_' + index + '.c',
    `@@ -100,${oldCount} +100,${oldCount + 2} @@ static const struct xe_bench_ops ops = {`,
    ...hunkLines,
    '-- ',
    '2.49.0',
    '',
  ].join('\n');
}

export function series(count: number): string {
  return Array.from({ length: count }, (_, i) => seriesPatch(i + 1, count)).join('\n');
}

/** A patch adding one new C file of about `lines` lines in a single hunk. */
export function largePatch(lines: number): string {
  const body: string[] = [];
  for (let index = 0; body.length < lines; index++) body.push(...driverFunction(index, 20, '+'));
  body.length = lines;
  return [
    'diff --git a/drivers/gpu/drm/xe/xe_bench_large.c b/drivers/gpu/drm/xe/xe_bench_large.c',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/drivers/gpu/drm/xe/xe_bench_large.c',
    `@@ -0,0 +1,${lines} @@`,
    ...body,
    '',
  ].join('\n');
}
