/**
 * Batch normalisation over `[N, C]` or `[N, C, H, W]` (any `[N, C, ...]`), exactly as PyTorch:
 * training normalises with the batch's biased variance and updates the running statistics in
 * place with the unbiased one; evaluation uses the running statistics.
 *
 * Training forward: three dispatches (per-chunk statistics over many workgroups, a per-channel
 * merge that also updates the running statistics in place, then normalise). Backward: three
 * dispatches (per-chunk Σg and Σg·x̂, per-channel merge into γ/β gradients and coefficients,
 * then the input gradient as one fused multiply-add per element).
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
  if (training) {
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
