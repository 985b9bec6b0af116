/**
 * Fused batch norm + Hardtanh, optionally with a residual added before the clamp:
 * `y = hardtanh(batchNorm(x) + residual)`, as in the Bi-Real and basic residual blocks and the
 * VGG stages. It is `batchNorm` with the last pass extended: training is three dispatches
 * (statistics, merge, then normalise + add + clamp in one pass) instead of five, evaluation one.
 *
 * The backward stores nothing extra: the Hardtanh window (−1 < z < 1, strict, as PyTorch) is
 * read back from the output itself (|y| < 1 exactly where the pre-clamp value z was inside), and
 * the batch-norm terms are recomputed from x and the `[4, C]` statistics. Three dispatches: the
 * masked per-channel reductions, their merge, then the input gradient and the residual's
 * gradient (the masked g) written by one kernel.
 *
 * @module
 */
import { grid, runKernel, WGSL_INDEX } from "../kernel.ts";
import { needsGrad, record } from "../tape.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import {
  bnEvalStats,
  bnGradCoef,
  type BnSetup,
  bnSetup,
  bnTrainStats,
} from "./batchnorm_kernels.ts";
import type { BatchNormOptions } from "./batchnorm.ts";
import { outIndexCode, outIndexValues } from "./layout.ts";
import { expandMap } from "./reduce_kernel.ts";

const OP = "batchNormHardtanh";

/** The grad-input kernel: gx (if `wantX`) and the masked g as the residual's gradient (`wantR`). */
function gradInputCode(s: BnSetup, wantX: boolean, wantR: boolean): string {
  const fields = [
    "n: u32",
    "nout: u32",
    ...s.plan.dims.flatMap((_, d) => [`e${d}: u32`, `et${d}: u32`]),
  ];
  const outs: string[] = [];
  if (wantX) outs.push("gx");
  if (wantR) outs.push("gr");
  return `struct P { ${fields.join(", ")} }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
${
    wantX
      ? `@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> coef: array<f32>;`
      : ""
  }
${
    outs.map((name, k) =>
      `@group(0) @binding(${(wantX ? 5 : 3) + k}) var<storage, read_write> ${name}: array<f32>;`
    ).join("\n")
  }
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let gm = select(0.0, g[i], abs(y[i]) < 1.0);
  ${
    wantX
      ? `${outIndexCode(s.plan.dims)}
  gx[i] = gm * coef[o] + (x[i] - coef[o + 3u * p.nout]) * coef[o + p.nout] + coef[o + 2u * p.nout];`
      : ""
  }
  ${wantR ? "gr[i] = gm;" : ""}
}`;
}

/**
 * `hardtanh(batchNorm(x, γ, β, runningMean, runningVar, opts) + residual)` in one op, with the
 * same semantics (and the same in-place running-statistics update in training) as the unfused
 * composition `hardtanh(add(batchNorm(...), residual))`. `residual`, if given, has x's shape.
 * Gradients flow to x, γ, β and the residual.
 *
 * @example
 * ```ts
 * import { batchNormHardtanh, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4], [2, 2]);
 * const gamma = Tensor.full([2], 2), beta = Tensor.zeros([2]);
 * const rm = Tensor.zeros([2]), rv = Tensor.full([2], 1);
 * const r = Tensor.from([0.5, 0, 0, 0], [2, 2]);
 * const y = batchNormHardtanh(x, gamma, beta, rm, rv, { training: true }, r);
 * console.log(await y.read()); // ≈ [-1, -1, 1, 1]
 * ```
 */
export function batchNormHardtanh(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  opts: BatchNormOptions,
  residual?: Tensor | null,
): Tensor {
  const { training, momentum = 0.1, eps = 1e-5 } = opts;
  const s = bnSetup(OP, x, gamma, beta, runningMean, runningVar, training);
  const r = residual ?? null;
  if (r && (r.dtype !== "f32" || shapeStr(r.shape) !== shapeStr(x.shape))) {
    throw new RangeError(
      `${OP}: residual ${r.dtype} ${shapeStr(r.shape)} does not match x f32 ${shapeStr(x.shape)}`,
    );
  }
  const full = r ? [x, r] : [x];
  const plusR = r ? " + b" : "";
  const inputs = r ? [x, gamma, beta, r] : [x, gamma, beta];
  let stats: Tensor;
  let y: Tensor;
  if (training) {
    stats = bnTrainStats(s, x, gamma, beta, runningMean, runningVar, momentum, eps);
    y = expandMap({
      name: r ? "bnh_normalise_res" : "bnh_normalise",
      full,
      perOut: [stats],
      plan: s.plan,
      expr: `clamp(a * q0[o + 2u * p.nout] + q0[o + 3u * p.nout]${plusR}, -1.0, 1.0)`,
    });
  } else {
    y = expandMap({
      name: r ? "bnh_eval_res" : "bnh_eval",
      full,
      perOut: [runningMean, runningVar, gamma, beta],
      plan: s.plan,
      expr: `clamp((a - q0[o]) * inverseSqrt(q1[o] + p.s0) * q2[o] + q3[o]${plusR}, -1.0, 1.0)`,
      scalars: [eps],
    });
    if (!needsGrad(inputs)) return y;
    stats = bnEvalStats(s, runningMean, runningVar, eps);
  }
  if (!needsGrad(inputs)) {
    stats.dispose();
    return y;
  }
  record(inputs, [y], ([g]) => {
    const wantX = x.requiresGrad;
    const wantR = r !== null && r.requiresGrad;
    const wantAffine = gamma.requiresGrad || beta.requiresGrad;
    const c = wantX || wantAffine ? bnGradCoef(s, g!, x, stats, gamma, training, y) : null;
    let gx: Tensor | null = null;
    let gr: Tensor | null = null;
    if (wantX || wantR) {
      const outs: Tensor[] = [];
      if (wantX) outs.push(gx = Tensor.empty(x.shape));
      if (wantR) outs.push(gr = Tensor.empty(x.shape));
      runKernel({
        name: `bnh_grad_input_${wantX ? "x" : ""}${wantR ? "r" : ""}`,
        code: gradInputCode(s, wantX, wantR),
        inputs: wantX ? [g!, y, x, c!.coef] : [g!, y],
        outputs: outs,
        uniforms: [x.size, s.plan.nOut, ...outIndexValues(s.plan)],
        workgroups: grid(x.size),
      });
    }
    c?.coef.dispose();
    const grads = [
      gx,
      gamma.requiresGrad ? c!.ggamma : null,
      beta.requiresGrad ? c!.gbeta : null,
    ];
    if (!gamma.requiresGrad) c?.ggamma.dispose();
    if (!beta.requiresGrad) c?.gbeta.dispose();
    return r ? [...grads, gr] : grads;
  });
  return y;
}
