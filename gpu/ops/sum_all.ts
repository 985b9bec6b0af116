/**
 * Sum and mean of all elements to a scalar tensor. Large inputs are reduced by many
 * workgroups and a second pass over their partial sums.
 *
 * @module
 */
import { grid, runKernel } from "../kernel.ts";
import { record1 } from "../tape.ts";
import { Tensor } from "../tensor.ts";
import { planAxes } from "./_layout.ts";
import { expandMap, reduceMap } from "./_reduce_kernel.ts";

const BROADCAST = `struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u,
    @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i < p.n) { y[i] = g[0]; }
}`;

/**
 * Fills a tensor of `shape` with the single value of `g` (size 1). No autograd.
 *
 * @example
 * ```ts
 * import { broadcastScalar, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await broadcastScalar(Tensor.from([7], []), [3]).read()); // [7, 7, 7]
 * ```
 */
export function broadcastScalar(g: Tensor, shape: readonly number[]): Tensor {
  const y = Tensor.empty(shape);
  runKernel({
    name: "broadcast_scalar",
    code: BROADCAST,
    inputs: [g],
    outputs: [y],
    uniforms: [y.size],
    workgroups: grid(y.size),
  });
  return y;
}

/**
 * Sum of every element, as a tensor of shape `[]` (one element).
 *
 * @example
 * ```ts
 * import { initGpu, sum, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await sum(Tensor.from([1, 2, 3], [3])).read()); // [6]
 * ```
 */
export function sum(x: Tensor): Tensor {
  const plan = planAxes("sum", [x.size], [0]);
  const y = reduceMap({ name: "sum_all", full: [x], plan, value: "a", outShape: [] });
  record1([x], y, (g) => [broadcastScalar(g, x.shape)]);
  return y;
}

/**
 * Mean of every element, as a scalar tensor.
 *
 * @example
 * ```ts
 * import { initGpu, meanAll, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await meanAll(Tensor.from([1, 2, 3], [3])).read()); // [2]
 * ```
 */
export function meanAll(x: Tensor): Tensor {
  const plan = planAxes("meanAll", [x.size], [0]);
  const inv = 1 / Math.max(1, x.size);
  const y = reduceMap({
    name: "mean_all",
    full: [x],
    plan,
    value: "a",
    post: "acc * p.s0",
    scalars: [inv],
    outShape: [],
  });
  record1([x], y, (g) => [
    expandMap({
      name: "mean_all_grad",
      full: [],
      perOut: [g],
      plan,
      expr: "q0[0] * p.s0",
      scalars: [inv],
      outShape: x.shape,
    }),
  ]);
  return y;
}
