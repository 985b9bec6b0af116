/**
 * The WGSL workgroup tree sum shared by the one-workgroup-per-result reductions.
 *
 * @module
 */

/**
 * WGSL: after each of the 256 invocations (`local_invocation_index` `l`) has written its
 * partial into `var<workgroup> part: array<f32, 256>`, sums them so that `part[0]` holds the
 * total for every invocation to read.
 *
 * @example
 * ```ts
 * import { WG_TREE_SUM } from "./_tree_sum.ts";
 * const body = `part[l] = acc;\n  ${WG_TREE_SUM}\n  if (l == 0u) { out[0] = part[0]; }`;
 * console.log(body.includes("workgroupBarrier")); // true
 * ```
 */
export const WG_TREE_SUM = `workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (l < s) { part[l] += part[l + s]; }
    workgroupBarrier();
  }`;
