/**
 * The OvSW binary convolution (`OvSWConv2d`, forward type "xnor", method.md §2) as one fused
 * op with its own backward, plus an unfused reference built from autograd ops.
 *
 * Forward (training): `s_b = √(Var(x_b) + 1e-5)` per sample (unbiased, detached),
 * `a = sign(x / s_b) = sign(x)`, `b = est(W)`, `α_o = mean|(W_o − μ_o)/√(σ²_o + 1e-5)|` (no
 * gradient) or a learned α, `y = (a ⊛ b)·α` with zero padding applied to `a`.
 * Backward: `∂L/∂x = (1/s_b)·(2 − 2|x/s_b|)₊ · (∂L/∂y·α ⊛ᵀ b)`, `∂L/∂W = est'(W, α ⊙ ∂L/∂b)`,
 * `∂L/∂α_o = Σ ∂L/∂(αb)_o · b_o` (learned α only). In eval `s_b = 1`.
 *
 * @module
 */
import {
  conv2d,
  conv2dForward,
  conv2dGradInput,
  conv2dGradWeight,
  isGradEnabled,
  mulChannel,
  noGrad,
  record,
  reshape,
  shapeStr,
  type Tensor,
  varAxes,
} from "@ovsw/gpu";
import type { Estimator } from "./quantizers/estimator.ts";
import { getEstimator } from "./quantizers/registry.ts";
import { approxSignInputGrad } from "./approx_sign_grad.ts";
import { binaryWeightGrads } from "./binary_weight_grad.ts";
import { approxSign } from "./quantizers/approx_sign.ts";
import { estimatorForward, pickStat, rowStats } from "./quantizers/kernels.ts";
import { quantize } from "./quantizers/quantize.ts";
import { usesXnorKernels, xnorBinaryConv2d } from "./binary_conv2d_xnor.ts";

/** Options of {@link binaryConv2d}. */
export interface BinaryConv2dOpOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding of the binarised input (default 0). */
  padding?: number;
  /** Training mode: per-sample input normalisation of the backward window (default true). */
  training?: boolean;
  /** Weight estimator (name or object; default `ste`). */
  estimator?: string | Estimator;
  /** A learned per-output-channel scale `[O]`; when absent α comes from the weights. */
  alpha?: Tensor;
  /** eps of the input and weight standardisation (default 1e-5). */
  eps?: number;
}

/** What a forward implementation receives (see {@link setBinaryConvForward}). */
export interface BinaryConvForwardInput {
  /** `sign(x)` (values −1, 0, +1), `[N, C, H, W]`. */
  a: Tensor;
  /** The layer's input, `[N, C, H, W]` (sign(x) = a). */
  x: Tensor;
  /** The latent weights `[O, C, kh, kw]`. */
  w: Tensor;
  /** `α_o · est(W)`: the scaled binary weights, `[O, C, kh, kw]`. */
  scaledWeights: Tensor;
  /** α `[O]`. */
  alpha: Tensor;
  /** The weight estimator. */
  estimator: Estimator;
  /** Stride. */
  stride: number;
  /** Padding (zeros in the binarised input). */
  padding: number;
}

/** Computes `y = (a ⊛ est(W))·α`, shape `[N, O, OH, OW]`, without recording. */
export type BinaryConvForward = (input: BinaryConvForwardInput) => Tensor;

/**
 * The default forward: a float conv of `a` with the α-scaled binary weights.
 *
 * @example
 * ```ts
 * import { floatBinaryConvForward, setBinaryConvForward } from "@ovsw/layers";
 * setBinaryConvForward(floatBinaryConvForward);
 * ```
 */
export function floatBinaryConvForward(i: BinaryConvForwardInput): Tensor {
  return conv2dForward(i.a, i.scaledWeights, { stride: i.stride, padding: i.padding });
}

let forwardImpl: BinaryConvForward = floatBinaryConvForward;

/**
 * Swaps the forward product of every binary conv (e.g. for an XNOR-popcount kernel); `null`
 * restores the float default. The backward is unchanged.
 *
 * @example
 * ```ts
 * import { floatBinaryConvForward, setBinaryConvForward } from "@ovsw/layers";
 * setBinaryConvForward((input) => floatBinaryConvForward(input));
 * setBinaryConvForward(null);
 * ```
 */
export function setBinaryConvForward(impl: BinaryConvForward | null): void {
  forwardImpl = impl ?? floatBinaryConvForward;
}

function checkShapes(x: Tensor, w: Tensor, alpha: Tensor | undefined): void {
  if (x.shape.length !== 4 || w.shape.length !== 4 || x.shape[1] !== w.shape[1]) {
    throw new RangeError(
      `binaryConv2d: input ${shapeStr(x.shape)} does not match weight ${shapeStr(w.shape)}`,
    );
  }
  if (alpha && (alpha.shape.length !== 1 || alpha.shape[0] !== w.shape[0])) {
    throw new RangeError(
      `binaryConv2d: learned scale ${shapeStr(alpha.shape)} must be [${w.shape[0]}]`,
    );
  }
}

/**
 * The fused OvSW binary convolution (method.md §2) with its own backward.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { binaryConv2d } from "@ovsw/layers";
 * await initGpu();
 * const x = Tensor.from([0.5, -1.0, 2.0, 0.25], [1, 2, 1, 2]);
 * const w = Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]);
 * console.log(await binaryConv2d(x, w).read()); // [0, −1.4141252, 1.3987573, 0]
 * ```
 */
export function binaryConv2d(x: Tensor, w: Tensor, options: BinaryConv2dOpOptions = {}): Tensor {
  const { stride = 1, padding = 0, training = true, alpha: learned, eps = 1e-5 } = options;
  const est = getEstimator(options.estimator ?? "ste");
  checkShapes(x, w, learned);
  const O = w.shape[0];
  const w2 = w.view([O, w.size / O]);
  const wStats = rowStats(w2, eps);
  const alpha = learned ?? pickStat(wStats, 2);
  if (forwardImpl === floatBinaryConvForward && usesXnorKernels(est)) {
    const opts = { x, w, w2, wStats, alpha, learned, est, stride, padding, training, eps };
    return xnorBinaryConv2d(opts);
  }
  const scaled2 = estimatorForward(w2, est, { stats: wStats, scale: alpha });
  const scaledWeights = scaled2.view(w.shape);
  scaled2.dispose();
  const a = estimatorForward(x, approxSign);
  const y = forwardImpl({ a, x, w, scaledWeights, alpha, estimator: est, stride, padding });
  const inputs = learned ? [x, w, learned] : [x, w];
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) {
    for (const t of [a, scaledWeights, wStats, w2]) t.dispose();
    if (!learned) alpha.dispose();
    return y;
  }
  const N = x.shape[0];
  const x2 = x.view([N, x.size / N]);
  const xStats = training ? rowStats(x2, eps) : undefined;
  const conv = { stride, padding };
  record(inputs, [y], ([gy]) => {
    const out: (Tensor | null)[] = [null, null, null];
    if (x.requiresGrad) {
      const ga = conv2dGradInput(gy!, scaledWeights, x.shape, conv);
      out[0] = approxSignInputGrad(ga, x, x2, xStats, training, eps);
      ga.dispose();
    }
    if (w.requiresGrad || learned?.requiresGrad) {
      const gs = conv2dGradWeight(a, gy!, w.shape, conv); // ∂L/∂(α·b)
      [out[1], out[2]] = binaryWeightGrads(gs, w, w2, wStats, alpha, learned, est);
    }
    return inputs.length === 2 ? out.slice(0, 2) : out;
  });
  return y;
}

/**
 * The same layer composed from autograd ops, unfused (for tests and as documentation):
 * `mulChannel(conv2d(quantize(x / sg(s), approx_sign), quantize(W, est)), α)`.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { binaryConv2dReference } from "@ovsw/layers";
 * await initGpu();
 * const x = Tensor.from([0.5, -1.0, 2.0, 0.25], [1, 2, 1, 2]);
 * const w = Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]);
 * console.log(await binaryConv2dReference(x, w).read());
 * ```
 */
export function binaryConv2dReference(
  x: Tensor,
  w: Tensor,
  options: BinaryConv2dOpOptions = {},
): Tensor {
  const { stride = 1, padding = 0, training = true, alpha: learned, eps = 1e-5 } = options;
  const est = getEstimator(options.estimator ?? "ste");
  checkShapes(x, w, learned);
  const N = x.shape[0];
  const O = w.shape[0];
  let xh = x;
  if (training) {
    // x / sg(√(Var + eps)) per sample: view as [1, N, rest] and scale "channel" n.
    const inv = noGrad(() => {
      const v = varAxes(reshape(x, [N, x.size / N]), [1]);
      return estimatorForward(v, {
        name: "inv_std",
        description: "",
        forward: `1.0 / sqrt(x + ${eps.toExponential()})`,
        backward: "g",
        usesRowMeanAbs: false,
      });
    });
    xh = reshape(mulChannel(reshape(x, [1, N, x.size / N]), inv), x.shape);
  }
  const a = quantize(xh, "approx_sign");
  const alpha = learned ?? noGrad(() => pickStat(rowStats(w.view([O, w.size / O]), eps), 2));
  const b = reshape(quantize(reshape(w, [O, w.size / O]), est), w.shape);
  return mulChannel(conv2d(a, b, { stride, padding }), alpha);
}
