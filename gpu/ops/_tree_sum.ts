/**
 * The WGSL workgroup tree sum shared by the one-workgroup-per-result reductions.
 *
 * @module
 */

/**
 * WGSL: after each of the 256 invocations (`local_invocation_index` `l`) has written its
 * partials into the `var<workgroup>` arrays named in `arrays` (each `array<f32, 256>`), sums
 * each array so that its element 0 holds the total for every invocation to read. Starts with a
 * barrier; the pairwise order (stride 128, 64, …, 1) is the same for every caller.
 *
 * @example
 * ```ts
 * import { wgTreeSum } from "./_tree_sum.ts";
 * const body = `a[l] = x; b[l] = y;\n  ${wgTreeSum(["a", "b"])}\n  if (l == 0u) { out[0] = a[0] / b[0]; }`;
 * console.log(body.includes("b[l] += b[l + s];")); // true
 * ```
 */
export function wgTreeSum(arrays: readonly string[]): string {
  const adds = arrays.map((a) => `${a}[l] += ${a}[l + s];`).join(" ");
  return `workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (l < s) { ${adds} }
    workgroupBarrier();
  }`;
}

/**
 * {@link wgTreeSum} of the one array `part`: `part[0]` ends up holding the workgroup's total.
 *
 * @example
 * ```ts
 * import { WG_TREE_SUM } from "./_tree_sum.ts";
 * const body = `part[l] = acc;\n  ${WG_TREE_SUM}\n  if (l == 0u) { out[0] = part[0]; }`;
 * console.log(body.includes("workgroupBarrier")); // true
 * ```
 */
export const WG_TREE_SUM: string = wgTreeSum(["part"]);
