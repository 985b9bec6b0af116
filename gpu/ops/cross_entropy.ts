/**
 * Softmax cross-entropy over logits `[N, K]` with u32 labels `[N]`, mean over the batch,
 * optional label smoothing (as `torch.nn.CrossEntropyLoss(label_smoothing=ε)`).
 * Forward: one dispatch (numerically stable log-sum-exp per row, reduced in one workgroup).
 * Backward: one dispatch.
 *
 * @module
 */
import { f32, grid, runKernel, WGSL_INDEX } from "../kernel.ts";
import { needsGrad, record1 } from "../tape.ts";
import { Tensor } from "../tensor.ts";
import { checkLogitsLabels } from "./_layout.ts";
import { WG_TREE_SUM } from "./_tree_sum.ts";

const FORWARD = `struct P { n: u32, k: u32, eps: f32, inv_n: f32, nan_bits: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) l: u32) {
  var acc = 0.0;
  for (var row = l; row < p.n; row += 256u) {
    let base = row * p.k;
    var mx = x[base];
    for (var j = 1u; j < p.k; j++) { mx = max(mx, x[base + j]); }
    var se = 0.0;
    var sx = 0.0;
    for (var j = 0u; j < p.k; j++) {
      let v = x[base + j];
      se += exp(v - mx);
      sx += v;
    }
    let z = mx + log(se);
    lse[row] = z;
    let y = labels[row];
    if (y < p.k) {
      acc += z - (1.0 - p.eps) * x[base + y] - p.eps * sx / f32(p.k);
    } else {
      acc += bitcast<f32>(p.nan_bits);
    }
  }
  part[l] = acc;
  ${WG_TREE_SUM}
  if (l == 0u) { loss[0] = part[0] * p.inv_n; }
}`;

const BACKWARD = `struct P { total: u32, k: u32, eps: f32, inv_n: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> gx: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  let row = i / p.k;
  let j = i % p.k;
  let t = select(0.0, 1.0 - p.eps, labels[row] == j) + p.eps / f32(p.k);
  gx[i] = g[0] * p.inv_n * (exp(x[i] - lse[row]) - t);
}`;

/** Options of {@link softmaxCrossEntropy}. */
export interface CrossEntropyOptions {
  /** Label smoothing ε in [0, 1): the target is (1 − ε)·onehot + ε/K. Default 0. */
  labelSmoothing?: number;
}

/**
 * Mean softmax cross-entropy of `logits` `[N, K]` against u32 class `labels` `[N]`, as a
 * scalar. A label ≥ K makes the loss NaN (labels are validated where they are loaded).
 *
 * @example
 * ```ts
 * import { initGpu, softmaxCrossEntropy, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const logits = Tensor.from([0, 0, 0, 0], [2, 2]);
 * const labels = Tensor.from(new Uint32Array([0, 1]), [2]);
 * console.log(await softmaxCrossEntropy(logits, labels).read()); // [0.6931472]
 * ```
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  opts: CrossEntropyOptions = {},
): Tensor {
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1)) {
    throw new RangeError(`softmaxCrossEntropy: labelSmoothing ${eps} is not in [0, 1)`);
  }
  const [n, k] = checkLogitsLabels("softmaxCrossEntropy", logits, labels);
  if (n === 0) throw new RangeError("softmaxCrossEntropy: empty batch (logits [0, K])");
  const loss = Tensor.empty([]);
  const lse = Tensor.empty([n]);
  runKernel({
    name: "cross_entropy",
    code: FORWARD,
    inputs: [logits, labels],
    outputs: [loss, lse],
    uniforms: [n, k, f32(eps), f32(1 / n), 0x7fc00000],
    workgroups: [1],
  });
  if (!needsGrad([logits])) {
    lse.dispose();
    return loss;
  }
  record1([logits], loss, (g) => {
    const gx = Tensor.empty(logits.shape);
    runKernel({
      name: "cross_entropy_grad",
      code: BACKWARD,
      inputs: [g, logits, labels, lse],
      outputs: [gx],
      uniforms: [n * k, k, f32(eps), f32(1 / n)],
      workgroups: grid(n * k),
    });
    return [gx];
  });
  return loss;
}
