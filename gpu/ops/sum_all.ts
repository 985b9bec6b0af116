/**
 * Sum of all elements to a scalar tensor.
 *
 * @module
 */
import { runKernel } from "../kernel.ts";
import { record1 } from "../tape.ts";
import { Tensor } from "../tensor.ts";
import { mapElements } from "./elementwise.ts";

const SUM_ALL = `struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) l: u32) {
  var acc = 0.0;
  for (var i = l; i < p.n; i += 256u) { acc += x[i]; }
  part[l] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (l < s) { part[l] += part[l + s]; }
    workgroupBarrier();
  }
  if (l == 0u) { y[0] = part[0]; }
}`;

const BROADCAST = `struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u,
    @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i < p.n) { y[i] = g[0]; }
}`;

/** Fills a tensor of `shape` with the single value of `g` (size 1). */
export function broadcastScalar(g: Tensor, shape: readonly number[]): Tensor {
  const y = Tensor.empty(shape);
  const groups = Math.ceil(y.size / 256);
  const gy = Math.ceil(groups / 65535);
  runKernel({
    name: "broadcast_scalar",
    code: BROADCAST,
    inputs: [g],
    outputs: [y],
    uniforms: [y.size],
    workgroups: [Math.ceil(groups / gy), gy],
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
  const y = Tensor.empty([]);
  runKernel({
    name: "sum_all",
    code: SUM_ALL,
    inputs: [x],
    outputs: [y],
    uniforms: [x.size],
    workgroups: [1],
  });
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
  const s = sum(x);
  const y = mapElements("scale", "a * p.s0", [s], [1 / Math.max(1, x.size)]);
  record1([s], y, (g) => [mapElements("scale", "a * p.s0", [g], [1 / Math.max(1, x.size)])]);
  return y;
}
