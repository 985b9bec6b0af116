/**
 * Float64 reference for batch normalisation (PyTorch semantics), forward and backward.
 *
 * @module
 */
import type { Nd } from "./nd.ts";
import { channelOf } from "./channel.ts";

/** Result of {@link refBatchNorm}. */
export interface RefBatchNormResult {
  /** Normalised output. */
  y: Nd;
  /** Running mean after the step (unchanged in eval). */
  runningMean: Float64Array;
  /** Running variance after the step (unchanged in eval). */
  runningVar: Float64Array;
  /** Mean used for normalisation, per channel. */
  mean: Float64Array;
  /** 1/sqrt(var + eps) used for normalisation, per channel. */
  invstd: Float64Array;
}

/** Batch norm over `[N, C, ...]`: batch stats (biased) in training, running stats in eval. */
export function refBatchNorm(
  x: Nd,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  runningMean: ArrayLike<number>,
  runningVar: ArrayLike<number>,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): RefBatchNormResult {
  const c = x.shape[1];
  const ch = channelOf(x.shape);
  const m = x.data.length / c;
  const rm = Float64Array.from(runningMean);
  const rv = Float64Array.from(runningVar);
  const mean = new Float64Array(c);
  const invstd = new Float64Array(c);
  if (training) {
    const v = new Float64Array(c);
    for (let i = 0; i < ch.length; i++) mean[ch[i]] += x.data[i] / m;
    for (let i = 0; i < ch.length; i++) v[ch[i]] += (x.data[i] - mean[ch[i]]) ** 2 / m;
    for (let k = 0; k < c; k++) {
      invstd[k] = 1 / Math.sqrt(v[k] + eps);
      rm[k] = (1 - momentum) * rm[k] + momentum * mean[k];
      rv[k] = (1 - momentum) * rv[k] + momentum * v[k] * m / (m - 1);
    }
  } else {
    for (let k = 0; k < c; k++) {
      mean[k] = rm[k];
      invstd[k] = 1 / Math.sqrt(rv[k] + eps);
    }
  }
  const y = x.data.map((v, i) => (v - mean[ch[i]]) * invstd[ch[i]] * gamma[ch[i]] + beta[ch[i]]);
  return { y: { data: y, shape: [...x.shape] }, runningMean: rm, runningVar: rv, mean, invstd };
}

/** Batch norm of a `[N, C]` input (BatchNorm1d). */
export const refBatchNorm1d = refBatchNorm;
/** Batch norm of a `[N, C, H, W]` input (BatchNorm2d). */
export const refBatchNorm2d = refBatchNorm;

/**
 * Gradients of batch norm w.r.t. x, γ and β given the output gradient `g` and the forward's
 * statistics (`mean`, `invstd` from {@link refBatchNorm}).
 */
export function refBatchNormGrad(
  x: Nd,
  gamma: ArrayLike<number>,
  g: Nd,
  mean: ArrayLike<number>,
  invstd: ArrayLike<number>,
  training: boolean,
): { gx: Nd; gGamma: Float64Array; gBeta: Float64Array } {
  const c = x.shape[1];
  const ch = channelOf(x.shape);
  const m = x.data.length / c;
  const gGamma = new Float64Array(c);
  const gBeta = new Float64Array(c);
  const xhat = x.data.map((v, i) => (v - mean[ch[i]]) * invstd[ch[i]]);
  for (let i = 0; i < ch.length; i++) {
    gBeta[ch[i]] += g.data[i];
    gGamma[ch[i]] += g.data[i] * xhat[i];
  }
  const gx = x.data.map((_, i) => {
    const k = ch[i];
    const scale = gamma[k] * invstd[k];
    if (!training) return g.data[i] * scale;
    return scale * (g.data[i] - (gBeta[k] + xhat[i] * gGamma[k]) / m);
  });
  return { gx: { data: gx, shape: [...x.shape] }, gGamma, gBeta };
}
