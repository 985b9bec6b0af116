/**
 * The OvSW binary convolution (`OvSWConv2d`, forward type "xnor", docs/method.md §2) as one fused
 * op with its own backward.
 *
 * Forward (training): `s_b = √(Var(x_b) + 1e-5)` per sample (unbiased, detached),
 * `a = sign(x / s_b) = sign(x)`, `b = est(W)`, `α_o = mean|(W_o − μ_o)/√(σ²_o + 1e-5)|` (no
 * gradient) or a learned α, `y = (a ⊛ b)·α` with zero padding applied to `a`.
 * Backward: `∂L/∂x = (1/s_b)·(2 − 2|x/s_b|)₊ · (∂L/∂y·α ⊛ᵀ b)`, `∂L/∂W = est'(W, α ⊙ ∂L/∂b)`,
 * `∂L/∂α_o = Σ ∂L/∂(αb)_o · b_o` (learned α only). In eval `s_b = 1`.
 *
 * Each of the three products (forward, grad-input, grad-weight) runs on the implementation the
 * adapter's table picks (`binaryConvKernels()` in `@ovsw/gpu`): the bit-packed XNOR kernels or
 * the float convs of the ±1 tensors. A weight estimator without `signForward` (e.g. `ste_v2`,
 * whose weights are not ±α) takes the float path for all three. The estimators' backward
 * element maps (the ApproxSign window with the per-sample normalisation, the weight estimator
 * with α) are the same on both.
 *
 * @module
 */
import {
  type BinaryConvKernels,
  binaryConvKernels,
  FLOAT_BINARY_CONV_KERNELS,
  isGradEnabled,
  record,
  shapeStr,
  takeGradient,
  type Tensor,
} from "@ovsw/gpu";
import {
  binaryActivationPrep,
  binaryConv2dGradInput,
  binaryConv2dGradWeight,
  type BinaryConvGeometry,
  binaryConvGeometry,
  binaryWeightPrep,
  conv2dForward,
  conv2dGradInput,
  conv2dGradWeight,
  packActivationSigns,
  packWeightSigns,
  xnorConv2dForward,
} from "@ovsw/gpu/internal";
import type { Estimator } from "./estimators/estimator.ts";
import { getEstimator } from "./estimators/registry.ts";
import { approxSignInputGrad } from "./_approx_sign_grad.ts";
import { binaryWeightGrads } from "./_binary_weight_grad.ts";
import { approxSignEstimator } from "./estimators/approx_sign.ts";
import { estimatorForward, pickStat, rowStats } from "./estimators/_kernels.ts";

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

/**
 * Throws a clear error unless `x` `[N, C, H, W]`, `w` `[O, C, kh, kw]` and the learned scale
 * `[O]` fit together.
 */
export function checkBinaryConvShapes(x: Tensor, w: Tensor, alpha: Tensor | undefined): void {
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

/** The kernel table for a weight estimator: the adapter's, or all float without ±α weights. */
function kernelsFor(est: Estimator): Readonly<BinaryConvKernels> {
  return est.signForward ? binaryConvKernels() : FLOAT_BINARY_CONV_KERNELS;
}

/**
 * The operands the products need, each made on first use: sign(x) as f32 or as packed bits,
 * the ±α weights as f32 or the packed weight signs, and the binary geometry.
 */
class Operands {
  private readonly made = new Map<string, Tensor>();
  private geometry: BinaryConvGeometry | null = null;

  constructor(
    private readonly x: Tensor,
    private readonly w: Tensor,
    private readonly w2: Tensor,
    private readonly wStats: Tensor,
    private readonly alpha: Tensor,
    private readonly est: Estimator,
    private readonly conv: { stride: number; padding: number },
    weightBits?: Tensor,
    signBits?: Tensor,
  ) {
    if (weightBits) this.made.set("weightBits", weightBits);
    if (signBits) this.made.set("signBits", signBits);
  }

  private once(key: string, make: () => Tensor): Tensor {
    let t = this.made.get(key);
    if (!t) {
      t = make();
      this.made.set(key, t);
    }
    return t;
  }

  /** The geometry of the XNOR kernels. */
  geom(): BinaryConvGeometry {
    this.geometry ??= binaryConvGeometry(this.x.shape, this.w.shape, this.conv, "binaryConv2d");
    return this.geometry;
  }

  /** `sign(x)` as f32 (the float products). */
  signs(): Tensor {
    return this.once("signs", () => estimatorForward(this.x, approxSignEstimator));
  }

  /** `sign(x)` bit-packed (the XNOR forward and grad-weight). */
  signBits(): Tensor {
    return this.once("signBits", () => packActivationSigns(this.x));
  }

  /** `sign(W)` bit-packed (the XNOR forward and grad-input). */
  weightBits(): Tensor {
    return this.once("weightBits", () => packWeightSigns(this.w));
  }

  /** `α_o · est(W)` as f32, `[O, C, kh, kw]` (the float forward and grad-input). */
  scaledWeights(): Tensor {
    return this.once("scaledWeights", () => {
      const scaled2 = estimatorForward(this.w2, this.est, {
        stats: this.wStats,
        scale: this.alpha,
      });
      const scaled = scaled2.view(this.w.shape);
      scaled2.dispose();
      return scaled;
    });
  }

  /** The names of the operands made so far (see {@link release}). */
  names(): string[] {
    return [...this.made.keys()];
  }

  /** Disposes the operands made, except those named in `keep`. */
  release(keep: readonly string[] = []): void {
    for (const [key, t] of this.made) {
      if (!keep.includes(key)) {
        t.dispose();
        this.made.delete(key);
      }
    }
  }
}

/**
 * The fused OvSW binary convolution (docs/method.md §2) with its own backward; see the module doc
 * for the formulas and for how each product's kernel is chosen.
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
  checkBinaryConvShapes(x, w, learned);
  const kernels = kernelsFor(est);
  const conv = { stride, padding };
  const O = w.shape[0];
  const w2 = w.view([O, w.size / O]);
  // With the XNOR forward and α from the weights: statistics, α and packed signs in one kernel.
  const prep = kernels.forward === "xnor" && !learned ? binaryWeightPrep(w, eps) : null;
  const wStats = prep?.stats ?? rowStats(w2, eps);
  const alpha = learned ?? prep?.alpha ?? pickStat(wStats, 2);
  const inputs = learned ? [x, w, learned] : [x, w];
  const wantGrad = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  // Training with the XNOR forward: x's per-sample statistics and packed signs in one kernel.
  const act = wantGrad && training && kernels.forward === "xnor"
    ? binaryActivationPrep(x, eps)
    : null;
  const ops = new Operands(x, w, w2, wStats, alpha, est, conv, prep?.bits, act?.bits);
  const y = kernels.forward === "xnor"
    ? xnorConv2dForward(ops.signBits(), ops.weightBits(), alpha, ops.geom())
    : conv2dForward(ops.signs(), ops.scaledWeights(), conv);
  if (!wantGrad) {
    ops.release();
    wStats.dispose();
    w2.dispose();
    if (!learned) alpha.dispose();
    return y;
  }
  const N = x.shape[0];
  const x2 = x.view([N, x.size / N]);
  const xStats = act?.stats ?? (training ? rowStats(x2, eps) : undefined);
  const saved = ops.names();
  record(inputs, [y], ([gy]) => {
    const out: (Tensor | null)[] = [null, null, null];
    if (x.requiresGrad) {
      if (kernels.gradInput === "xnor") {
        // The ApproxSign window (at x/s_n, divided by s_n, with s_n = √(var_n + eps) taken
        // from the per-sample statistics in training) is fused into the product.
        // The gradient x already has (a residual branch) is added in the same kernel.
        out[0] = binaryConv2dGradInput(gy!, ops.weightBits(), alpha, ops.geom(), {
          x,
          sampleStats: xStats,
          eps,
        }, { accumulate: takeGradient(x) });
      } else {
        const ga = conv2dGradInput(gy!, ops.scaledWeights(), x.shape, conv);
        out[0] = approxSignInputGrad(ga, x, x2, xStats, training, eps);
        ga.dispose();
      }
    }
    if (w.requiresGrad || learned?.requiresGrad) {
      if (kernels.gradWeight === "xnor" && est.backward === "g" && !learned) {
        // Identity estimator (STE), constant α: ∂L/∂W = α·∂L/∂(α·b), scaled in the kernel.
        out[1] = binaryConv2dGradWeight(ops.signBits(), gy!, alpha, ops.geom());
      } else {
        const gs = kernels.gradWeight === "xnor" // ∂L/∂(α·b)
          ? binaryConv2dGradWeight(ops.signBits(), gy!, null, ops.geom())
          : conv2dGradWeight(ops.signs(), gy!, w.shape, conv);
        [out[1], out[2]] = binaryWeightGrads(gs, w, w2, wStats, alpha, learned, est);
      }
    }
    ops.release(saved); // what the backward made; the forward's operands belong to the scope
    return inputs.length === 2 ? out.slice(0, 2) : out;
  });
  return y;
}
