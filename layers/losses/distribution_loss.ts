/**
 * ReActNet's distributional loss (liuzechun/ReActNet `utils/KD_loss.py` `DistributionLoss`).
 *
 * @module
 */
import {
  f32,
  grid,
  isGradEnabled,
  record1,
  runKernel,
  shapeStr,
  Tensor,
  WGSL_INDEX,
} from "@ovsw/gpu";
import { WG_TREE_SUM } from "@ovsw/gpu/internal";

const FORWARD = `struct P { n: u32, k: u32, inv_n: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read> t: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> rows: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) l: u32) {
  var acc = 0.0;
  for (var row = l; row < p.n; row += 256u) {
    let base = row * p.k;
    var ms = s[base];
    var mt = t[base];
    for (var j = 1u; j < p.k; j++) { ms = max(ms, s[base + j]); mt = max(mt, t[base + j]); }
    var es = 0.0;
    var et = 0.0;
    for (var j = 0u; j < p.k; j++) { es += exp(s[base + j] - ms); et += exp(t[base + j] - mt); }
    let lse_s = ms + log(es);
    let lse_t = mt + log(et);
    var ce = 0.0;
    var mass = 0.0;
    for (var j = 0u; j < p.k; j++) {
      let q = exp(t[base + j] - lse_t);
      ce -= q * (s[base + j] - lse_s);
      mass += q;
    }
    rows[row * 3u] = lse_s;
    rows[row * 3u + 1u] = lse_t;
    rows[row * 3u + 2u] = mass;
    acc += ce;
  }
  part[l] = acc;
  ${WG_TREE_SUM}
  if (l == 0u) { loss[0] = part[0] * p.inv_n; }
}`;

const BACKWARD = `struct P { total: u32, k: u32, inv_n: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> s: array<f32>;
@group(0) @binding(3) var<storage, read> t: array<f32>;
@group(0) @binding(4) var<storage, read> rows: array<f32>;
@group(0) @binding(5) var<storage, read_write> gs: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  let row = i / p.k;
  let q = exp(t[i] - rows[row * 3u + 1u]);
  gs[i] = g[0] * p.inv_n * (exp(s[i] - rows[row * 3u]) * rows[row * 3u + 2u] - q);
}`;

/**
 * ReActNet's `DistributionLoss`: `mean_n(−Σ_c softmax(teacher)_c · log_softmax(student)_c)` over
 * logits `[N, K]`, a scalar. Only the student gets a gradient,
 * `(softmax(s)·Σ_c softmax(t)_c − softmax(t))/N` (autograd's exact form; Σ softmax(t) ≈ 1). As
 * in the official code, a teacher that requires a gradient is an error: compute its logits
 * under `noGrad`. ReActNet trains both steps with this loss alone (teacher: a pretrained
 * ResNet-34), no cross-entropy term.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { distributionLoss } from "@ovsw/layers";
 * await initGpu();
 * const s = Tensor.from([0, 0], [1, 2]);
 * const t = Tensor.from([5, 5], [1, 2]);
 * console.log(await distributionLoss(s, t).read()); // [0.6931472]
 * ```
 */
export function distributionLoss(student: Tensor, teacher: Tensor): Tensor {
  if (teacher.requiresGrad) {
    throw new Error(
      "distributionLoss: the teacher's logits require a gradient (compute them under noGrad)",
    );
  }
  if (
    student.shape.length !== 2 || shapeStr(student.shape) !== shapeStr(teacher.shape) ||
    student.shape[0] === 0
  ) {
    throw new RangeError(
      `distributionLoss: student ${shapeStr(student.shape)} and teacher ` +
        `${shapeStr(teacher.shape)} must be the same non-empty [N, K]`,
    );
  }
  const [n, k] = student.shape;
  const loss = Tensor.empty([]);
  const rows = Tensor.empty([n, 3]);
  runKernel({
    name: "distribution_loss",
    code: FORWARD,
    inputs: [student, teacher],
    outputs: [loss, rows],
    uniforms: [n, k, f32(1 / n)],
    workgroups: [1],
  });
  if (!isGradEnabled() || !student.requiresGrad) {
    rows.dispose();
    return loss;
  }
  record1([student], loss, (g) => {
    const gs = Tensor.empty(student.shape);
    runKernel({
      name: "distribution_loss_grad",
      code: BACKWARD,
      inputs: [g, student, teacher, rows],
      outputs: [gs],
      uniforms: [n * k, k, f32(1 / n)],
      workgroups: grid(n * k),
    });
    return [gs];
  });
  return loss;
}
