/**
 * The fused binary convolution as one autograd op: sign + bit-pack + XNOR-popcount implicit GEMM
 * + α scale forward, ±1-structured backward kernels, 1-bit saved activations.
 *
 * @module
 */
import { record } from "../tape.ts";
import type { Tensor } from "../tensor.ts";
import { binaryConv2dGradInput } from "./binary_conv_grad_input.ts";
import { binaryConv2dGradWeight } from "./binary_conv_grad_weight.ts";
import { binaryConvGeometry, type BinaryConvOptions, expectShape } from "./binary_geometry.ts";
import { packActivationSigns, packWeightSigns } from "./binary_pack.ts";
import { xnorConv2dForward } from "./xnor_conv2d.ts";

/** Options of {@link xnorConv2d}. */
export interface XnorConv2dOptions extends BinaryConvOptions {
  /**
   * Per-sample std `s_n` `[N]` of the training-time input normalisation (method.md §2.1). It
   * does not change the forward (`sign(x/s) = sign(x)`); the input gradient's window becomes
   * `(1/s_n)·max(0, 2 − 2|x/s_n|)`. Without it the window is `max(0, 2 − 2|x|)` (eval).
   */
  sampleStd?: Tensor;
}

/**
 * OvSW's binary conv, `y = α[o]·(sign(x) ⊛ sign(W))` (sign(0) = 0, zero padding on the
 * binarised input), computed by XNOR-popcount on packed signs. Backward: ApproxSign on x
 * (see {@link XnorConv2dOptions.sampleStd}), straight-through (`ste`) on W, no gradient to α.
 * Saves only the packed input signs (1 bit per value) for the weight gradient; the input
 * itself is kept for the ApproxSign window.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor, xnorConv2d } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([0.5, -1.0, 2.0, 0.25], [1, 2, 1, 2]);
 * const w = Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]);
 * const alpha = Tensor.from([0.7070626, 0.6993787], [2]);
 * console.log(await xnorConv2d(x, w, alpha).read()); // ≈ [0, -1.4141252, 1.3987573, 0]
 * ```
 */
export function xnorConv2d(
  x: Tensor,
  w: Tensor,
  alpha: Tensor,
  options: XnorConv2dOptions = {},
): Tensor {
  const geom = binaryConvGeometry(x.shape, w.shape, options, "xnorConv2d");
  expectShape(alpha, [geom.o], "xnorConv2d alpha");
  if (options.sampleStd) expectShape(options.sampleStd, [geom.n], "xnorConv2d sampleStd");
  const aBits = packActivationSigns(x);
  const wBits = packWeightSigns(w);
  const y = xnorConv2dForward(aBits, wBits, alpha, geom);
  record([x, w], [y], ([gy]) => [
    x.requiresGrad
      ? binaryConv2dGradInput(gy!, wBits, alpha, geom, { x, sampleStd: options.sampleStd })
      : null,
    w.requiresGrad ? binaryConv2dGradWeight(aBits, gy!, alpha, geom) : null,
  ]);
  return y;
}
