/**
 * Classification read-outs without gradients: `argmax` per row and the top-k hit count.
 *
 * @module
 */
import { grid, runKernel, WGSL_INDEX } from "../kernel.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import { checkLogitsLabels } from "./_layout.ts";
import { WG_TREE_SUM } from "./_tree_sum.ts";

const ARGMAX = `struct P { n: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let row = ${WGSL_INDEX.expr};
  if (row >= p.n) { return; }
  let base = row * p.k;
  var best = 0u;
  var bv = x[base];
  for (var j = 1u; j < p.k; j++) {
    let v = x[base + j];
    if (v > bv) { bv = v; best = j; }
  }
  y[row] = best;
}`;

const TOPK = `struct P { n: u32, k: u32, top: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> count: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) l: u32) {
  var acc = 0.0;
  for (var row = l; row < p.n; row += 256u) {
    let base = row * p.k;
    let y = labels[row];
    if (y < p.k) {
      let v = x[base + y];
      var rank = 0u;
      for (var j = 0u; j < p.k; j++) {
        let u = x[base + j];
        if (u > v || (u == v && j < y)) { rank++; }
      }
      if (rank < p.top) { acc += 1.0; }
    }
  }
  part[l] = acc;
  ${WG_TREE_SUM}
  if (l == 0u) { count[0] = part[0]; }
}`;

/**
 * Index of the largest value in each row of `[N, K]` (the first one on ties), as u32 `[N]`.
 *
 * @example
 * ```ts
 * import { argmax, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await argmax(Tensor.from([1, 3, 2, 5, 4, 0], [2, 3])).readU32()); // [1, 0]
 * ```
 */
export function argmax(x: Tensor): Tensor {
  if (x.shape.length !== 2 || x.dtype !== "f32" || x.shape[1] < 1) {
    throw new RangeError(
      `argmax: x must be f32 [N, K] with K ≥ 1, got ${x.dtype} ${shapeStr(x.shape)}`,
    );
  }
  const [n, k] = x.shape;
  const y = Tensor.empty([n], "u32");
  runKernel({
    name: "argmax",
    code: ARGMAX,
    inputs: [x],
    outputs: [y],
    uniforms: [n, k],
    workgroups: grid(n),
  });
  return y;
}

/**
 * Number of rows whose label is among the `k` largest logits, as an f32 scalar (ties broken
 * towards the lower class index, as {@link argmax}). Labels ≥ K never count.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor, topkCorrect } from "@ovsw/gpu";
 * await initGpu();
 * const logits = Tensor.from([1, 3, 2, 5, 4, 0], [2, 3]);
 * const labels = Tensor.from(new Uint32Array([2, 1]), [2]);
 * console.log(await topkCorrect(logits, labels, 2).read()); // [2]
 * ```
 */
export function topkCorrect(logits: Tensor, labels: Tensor, k: number): Tensor {
  const [n, classes] = checkLogitsLabels("topkCorrect", logits, labels);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topkCorrect: k = ${k} must be ≥ 1`);
  const y = Tensor.empty([]);
  runKernel({
    name: "topk_correct",
    code: TOPK,
    inputs: [logits, labels],
    outputs: [y],
    uniforms: [n, classes, Math.min(k, classes)],
    workgroups: [1],
  });
  return y;
}
