/**
 * Fused batch norm + Hardtanh, optionally with a residual added before the clamp:
 * `y = hardtanh(batchNorm(x) + residual)`, as in the Bi-Real and basic residual blocks and the
 * VGG stages. It is `batchNorm` with the last pass extended: training is two dispatches
 * (per-chunk statistics, then their per-channel merge fused with normalise + add + clamp in one
 * pass, see `_bn_fused.ts`) instead of five, evaluation one.
 *
 * The backward stores nothing extra: the Hardtanh window (−1 < z < 1, strict, as PyTorch) is
 * read back from the output itself (|y| < 1 exactly where the pre-clamp value z was inside), and
 * the batch-norm terms are recomputed from x and the `[4, C]` statistics. Two dispatches: the
 * masked per-channel reductions, then their merge fused with the pass that writes the input
 * gradient and the residual's gradient (the masked g).
 *
 * @module
 */
import { needsGrad, record } from "../tape.ts";
import { shapeStr, type Tensor } from "../tensor.ts";
import {
  bnEvalStats,
  bnGradCoef,
  bnSetup,
  bnTrainStats,
  channelMap,
} from "./_batchnorm_kernels.ts";
import {
  bnGradApply,
  bnTrainNormalise,
  gradApplyBuffers,
  trainNormaliseBuffers,
  useFusedBatchNorm,
} from "./_bn_fused.ts";
import type { BatchNormOptions } from "./batchnorm.ts";

const OP = "batchNormHardtanh";

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
  const { training, momentum = 0.1, eps = 1e-5, numBatchesTracked: count } = opts;
  const s = bnSetup(OP, x, gamma, beta, runningMean, runningVar, training);
  const r = residual ?? null;
  if (r && (r.dtype !== "f32" || shapeStr(r.shape) !== shapeStr(x.shape))) {
    throw new RangeError(
      `${OP}: residual ${r.dtype} ${shapeStr(r.shape)} does not match x f32 ${shapeStr(x.shape)}`,
    );
  }
  const full = r ? [x, r] : [x];
  const plusR = r ? " + b" : "";
  const clampT = (T: string, z: string) => `clamp(${z}${plusR}, ${T}(-1.0), ${T}(1.0))`;
  const inputs = r ? [x, gamma, beta, r] : [x, gamma, beta];
  let stats: Tensor;
  let y: Tensor;
  if (training && useFusedBatchNorm(trainNormaliseBuffers(r ? 1 : 0))) {
    ({ y, stats } = bnTrainNormalise(
      s,
      x,
      r ? [r] : [],
      gamma,
      beta,
      runningMean,
      runningVar,
      momentum,
      eps,
      count,
      r ? "bnh_stats_normalise_res" : "bnh_stats_normalise",
      clampT,
    ));
  } else if (training) {
    stats = bnTrainStats(s, x, gamma, beta, runningMean, runningVar, momentum, eps, count);
    [y] = channelMap({
      name: r ? "bnh_normalise_res" : "bnh_normalise",
      full,
      perChannel: [stats],
      outputs: [(T) => clampT(T, "a * q0[o + 2u * p.c] + q0[o + 3u * p.c]")],
    }, x.shape);
  } else {
    [y] = channelMap({
      name: r ? "bnh_eval_res" : "bnh_eval",
      full,
      perChannel: [runningMean, runningVar, gamma, beta],
      outputs: [(T) => clampT(T, "(a - q0[o]) * (inverseSqrt(q1[o] + p.s0) * q2[o]) + q3[o]")],
      scalars: [eps],
    }, x.shape);
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
    const name = `bnh_grad_input_${wantX ? "x" : ""}${wantR ? "r" : ""}`;
    const pre = (T: string) => `let gm = select(${T}(0.0), a, abs(b) < ${T}(1.0));`;
    const nOut = (wantX ? 1 : 0) + (wantR ? 1 : 0);
    if (wantX && useFusedBatchNorm(gradApplyBuffers(3, nOut))) {
      // Two dispatches: the partial sums, then their merge fused into the element pass.
      const f = bnGradApply(s, g!, x, stats, gamma, training, y, `${name}_fused`, [g!, y, x], pre, [
        () => "gm * k0 + (c - k3) * k1 + k2",
        ...(wantR ? [() => "gm"] : []),
      ]);
      if (!gamma.requiresGrad) f.ggamma.dispose();
      if (!beta.requiresGrad) f.gbeta.dispose();
      const grads = [
        f.outs[0],
        gamma.requiresGrad ? f.ggamma : null,
        beta.requiresGrad ? f.gbeta : null,
      ];
      return r ? [...grads, wantR ? f.outs[1] : null] : grads;
    }
    const c = wantX || wantAffine ? bnGradCoef(s, g!, x, stats, gamma, training, y) : null;
    let gx: Tensor | null = null;
    let gr: Tensor | null = null;
    if (wantX || wantR) {
      // gm = g inside the window; gx = k1·gm + k2·(x − mean) + k3; g_residual = gm.
      const outs = channelMap({
        name,
        full: wantX ? [g!, y, x] : [g!, y],
        perChannel: wantX ? [c!.coef] : [],
        pre,
        outputs: [
          ...(wantX
            ? [() => "gm * q0[o] + (c - q0[o + 3u * p.c]) * q0[o + p.c] + q0[o + 2u * p.c]"]
            : []),
          ...(wantR ? [() => "gm"] : []),
        ],
      }, x.shape);
      if (wantX) gx = outs[0];
      if (wantR) gr = outs[wantX ? 1 : 0];
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
