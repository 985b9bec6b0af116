/**
 * Batch normalisation over `[N, C]` or `[N, C, H, W]` (any `[N, C, ...]`), exactly as PyTorch:
 * training normalises with the batch's biased variance and updates the running statistics in
 * place with the unbiased one; evaluation uses the running statistics.
 *
 * Training forward: two dispatches (per-chunk statistics over many workgroups, then normalise,
 * each of whose workgroups first merges its channel's chunks; the first block of a channel also
 * writes the statistics and updates the running statistics in place). Backward: two dispatches
 * (per-chunk Σg and Σg·x̂, then the input gradient as one fused multiply-add per element, with
 * the per-channel merge into γ/β gradients and coefficients at the start of each workgroup).
 * Where the device binds fewer storage buffers than the fused passes need, the merge is a
 * dispatch of its own (three per direction).
 *
 * @module
 */
import { needsGrad, record1 } from "../tape.ts";
import type { Tensor } from "../tensor.ts";
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

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Batch statistics and running-stat updates (true) or running statistics (false). */
  training: boolean;
  /** Running-stat momentum: `run = (1 − m)·run + m·batch`. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /**
   * A one-element f32 batch counter (the layer's `num_batches_tracked`), incremented in place
   * in training by the kernel that updates the running statistics (no dispatch of its own).
   */
  numBatchesTracked?: Tensor;
}

/**
 * Batch normalisation with affine γ/β and running statistics (`[C]` each).
 *
 * In training the running statistics are updated in place on the GPU (momentum 0.1, unbiased
 * variance, as PyTorch). In evaluation they normalise the input. Gradients flow to x, γ, β.
 *
 * @example
 * ```ts
 * import { batchNorm, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3, 4], [2, 2]);
 * const gamma = Tensor.full([2], 1), beta = Tensor.zeros([2]);
 * const rm = Tensor.zeros([2]), rv = Tensor.full([2], 1);
 * const y = batchNorm(x, gamma, beta, rm, rv, { training: true });
 * console.log(await y.read()); // ≈ [-1, -1, 1, 1]
 * console.log(await rm.read()); // [0.2, 0.3]
 * ```
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  opts: BatchNormOptions,
): Tensor {
  const { training, momentum = 0.1, eps = 1e-5, numBatchesTracked: count } = opts;
  const s = bnSetup("batchNorm", x, gamma, beta, runningMean, runningVar, training);
  let stats: Tensor;
  let y: Tensor;
  if (training && useFusedBatchNorm(trainNormaliseBuffers(0))) {
    ({ y, stats } = bnTrainNormalise(
      s,
      x,
      [],
      gamma,
      beta,
      runningMean,
      runningVar,
      momentum,
      eps,
      count,
      "bn_stats_normalise",
      (_T, z) => z,
    ));
  } else if (training) {
    stats = bnTrainStats(s, x, gamma, beta, runningMean, runningVar, momentum, eps, count);
    [y] = channelMap({
      name: "bn_normalise",
      full: [x],
      perChannel: [stats],
      outputs: [() => "a * q0[o + 2u * p.c] + q0[o + 3u * p.c]"],
    }, x.shape);
  } else {
    [y] = channelMap({
      name: "bn_eval",
      full: [x],
      perChannel: [runningMean, runningVar, gamma, beta],
      outputs: [() => "(a - q0[o]) * (inverseSqrt(q1[o] + p.s0) * q2[o]) + q3[o]"],
      scalars: [eps],
    }, x.shape);
    if (!needsGrad([x, gamma, beta])) return y;
    stats = bnEvalStats(s, runningMean, runningVar, eps);
  }
  if (!needsGrad([x, gamma, beta])) {
    stats.dispose();
    return y;
  }
  record1([x, gamma, beta], y, (g) => {
    if (x.requiresGrad && useFusedBatchNorm(gradApplyBuffers(2, 1))) {
      const f = bnGradApply(
        s,
        g,
        x,
        stats,
        gamma,
        training,
        null,
        "bn_grad_input_fused",
        [g, x],
        undefined,
        [
          () => "a * k0 + (b - k3) * k1 + k2",
        ],
      );
      if (!gamma.requiresGrad) f.ggamma.dispose();
      if (!beta.requiresGrad) f.gbeta.dispose();
      return [f.outs[0], gamma.requiresGrad ? f.ggamma : null, beta.requiresGrad ? f.gbeta : null];
    }
    const { ggamma, gbeta, coef } = bnGradCoef(s, g, x, stats, gamma, training);
    const gx = x.requiresGrad
      ? channelMap({
        name: "bn_grad_input",
        full: [g, x],
        perChannel: [coef],
        outputs: [() => "a * q0[o] + (b - q0[o + 3u * p.c]) * q0[o + p.c] + q0[o + 2u * p.c]"],
      }, x.shape)[0]
      : null;
    coef.dispose();
    return [gx, gamma.requiresGrad ? ggamma : null, beta.requiresGrad ? gbeta : null];
  });
  return y;
}
