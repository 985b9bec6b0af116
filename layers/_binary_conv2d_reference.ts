/**
 * The binary conv composed from autograd ops, unfused: the reference the fused op is tested
 * against, and its documentation.
 *
 * @module
 */
import { conv2d, mulChannel, noGrad, reshape, type Tensor, varAxes } from "@ovsw/gpu";
import { type BinaryConv2dOpOptions, checkBinaryConvShapes } from "./binary_conv2d_op.ts";
import { estimatorForward, pickStat, rowStats } from "./estimators/_kernels.ts";
import { quantize } from "./estimators/quantize.ts";
import { getEstimator } from "./estimators/registry.ts";

/**
 * The same layer composed from autograd ops, unfused (for tests and as documentation):
 * `mulChannel(conv2d(quantize(x / sg(s), approx_sign), quantize(W, est)), α)`.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { binaryConv2dReference } from "./_binary_conv2d_reference.ts";
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
  checkBinaryConvShapes(x, w, learned);
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
        signForward: false,
      });
    });
    xh = reshape(mulChannel(reshape(x, [1, N, x.size / N]), inv), x.shape);
  }
  const a = quantize(xh, "approx_sign");
  const alpha = learned ?? noGrad(() => pickStat(rowStats(w.view([O, w.size / O]), eps), 2));
  const b = reshape(quantize(reshape(w, [O, w.size / O]), est), w.shape);
  return mulChannel(conv2d(a, b, { stride, padding }), alpha);
}
