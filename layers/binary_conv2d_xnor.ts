/**
 * The XNOR-popcount path of the fused binary conv (`binaryConv2d`), taken for estimators whose
 * forward is `sign(W)` (ste, hardtanh, hardtanhv2): bit-packed ternary signs (sign(0) = 0 kept),
 * the popcount implicit-GEMM forward with α fused, the grad-input from the packed weight signs
 * (or, where the adapter's tiling says it is faster, the f32 transposed conv of the decoded ±α
 * weights), and the grad-weight kernel from the 1-bit saved activations. The estimators' backward element maps
 * (ApproxSign window with the per-sample normalisation, the weight estimator with α) are the
 * same as on the float path.
 *
 * @module
 */
import {
  binaryConv2dGradInput,
  binaryConv2dGradWeight,
  binaryConvGeometry,
  binaryTiling,
  conv2dGradInput,
  isGradEnabled,
  packActivationSigns,
  packWeightSigns,
  record,
  type Tensor,
  xnorConv2dForward,
} from "@ovsw/gpu";
import type { Estimator } from "./quantizers/estimator.ts";
import { approxSignInputGrad } from "./approx_sign_grad.ts";
import { binaryWeightGrads } from "./binary_weight_grad.ts";
import { estimatorForward, rowStats, rowStd } from "./quantizers/kernels.ts";

let enabled = true;

/**
 * Chooses the binary conv kernels for sign-forward estimators: `"xnor"` (bit-packed
 * XNOR-popcount, the default) or `"float"` (a float conv of the ±1 tensors, the reference).
 *
 * @example
 * ```ts
 * import { setBinaryConvKernels } from "@ovsw/layers";
 * setBinaryConvKernels("float");
 * setBinaryConvKernels("xnor");
 * ```
 */
export function setBinaryConvKernels(kind: "xnor" | "float"): void {
  if (kind !== "xnor" && kind !== "float") {
    throw new RangeError(`setBinaryConvKernels: expected "xnor" or "float", got "${kind}"`);
  }
  enabled = kind === "xnor";
}

/** Whether {@link xnorBinaryConv2d} applies to this estimator under the current setting. */
export function usesXnorKernels(est: Estimator): boolean {
  return enabled && est.forward.replaceAll(" ", "") === "sign(x)";
}

/** Everything the fused op has prepared before the product. */
export interface XnorConvState {
  /** Input `[N, C, H, W]`. */
  x: Tensor;
  /** Latent weights `[O, C, kh, kw]`. */
  w: Tensor;
  /** `w` viewed as `[O, C·kh·kw]`. */
  w2: Tensor;
  /** Row statistics of `w2` (see `rowStats`). */
  wStats: Tensor;
  /** α `[O]` (learned or from the statistics). */
  alpha: Tensor;
  /** The learned α parameter, if any. */
  learned?: Tensor;
  /** Weight estimator (sign forward). */
  est: Estimator;
  /** Stride. */
  stride: number;
  /** Zero padding of the binarised input. */
  padding: number;
  /** Training mode (per-sample normalisation of the backward window). */
  training: boolean;
  /** eps of the normalisations. */
  eps: number;
}

/**
 * The binary conv product and its backward on the XNOR-popcount kernels (see the module doc).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { binaryConv2d } from "@ovsw/layers";
 * await initGpu();
 * // binaryConv2d takes this path by default for ste / hardtanh / hardtanhv2:
 * const x = Tensor.from([0.5, -1.0, 2.0, 0.25], [1, 2, 1, 2]);
 * const w = Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]);
 * console.log(await binaryConv2d(x, w).read());
 * ```
 */
export function xnorBinaryConv2d(s: XnorConvState): Tensor {
  const { x, w, w2, wStats, alpha, learned, est, stride, padding, training, eps } = s;
  const geom = binaryConvGeometry(x.shape, w.shape, { stride, padding }, "binaryConv2d");
  const aBits = packActivationSigns(x);
  const wBits = packWeightSigns(w);
  const y = xnorConv2dForward(aBits, wBits, alpha, geom);
  const inputs = learned ? [x, w, learned] : [x, w];
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) {
    for (const t of [aBits, wBits, wStats, w2]) t.dispose();
    if (!learned) alpha.dispose();
    return y;
  }
  const N = x.shape[0];
  const x2 = x.view([N, x.size / N]);
  const xStats = training ? rowStats(x2, eps) : undefined;
  record(inputs, [y], ([gy]) => {
    const out: (Tensor | null)[] = [null, null, null];
    if (x.requiresGrad) {
      // α·gy ⊛ᵀ sign(W): from the packed bits, or as an f32 transposed conv with the decoded
      // ±α weights, whichever the adapter's tiling says is faster.
      if (binaryTiling().gradInput === "bits") {
        // The ApproxSign window (at x/s_n, divided by s_n, with s_n = √(var_n + eps) in
        // training) is fused into the product: no separate element pass.
        const sampleStd = xStats ? rowStd(xStats, eps) : undefined;
        out[0] = binaryConv2dGradInput(gy!, wBits, alpha, geom, { x, sampleStd });
        sampleStd?.dispose();
      } else {
        const scaled = estimatorForward(w2, est, { stats: wStats, scale: alpha });
        const scaled4 = scaled.view(w.shape);
        const ga = conv2dGradInput(gy!, scaled4, x.shape, { stride, padding });
        scaled.dispose();
        scaled4.dispose();
        out[0] = approxSignInputGrad(ga, x, x2, xStats, training, eps);
        ga.dispose();
      }
    }
    if (w.requiresGrad || learned?.requiresGrad) {
      const gs = binaryConv2dGradWeight(aBits, gy!, null, geom); // ∂L/∂(α·b)
      [out[1], out[2]] = binaryWeightGrads(gs, w, w2, wStats, alpha, learned, est);
    }
    return inputs.length === 2 ? out.slice(0, 2) : out;
  });
  return y;
}
