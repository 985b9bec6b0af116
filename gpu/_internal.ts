/**
 * `@ovsw/gpu/internal`: the pieces other ovsw packages, tools and tests build on but a user of
 * the library does not need: the non-autograd conv, matmul and binary (XNOR) kernels, the
 * per-adapter tilings, explicit flushing and stream-ordered copies, and test poisoning. They
 * may change without notice; `@ovsw/gpu` is the supported surface.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { conv2dForward } from "@ovsw/gpu/internal";
 * await initGpu();
 * const y = conv2dForward(Tensor.zeros([1, 1, 3, 3]), Tensor.zeros([2, 1, 3, 3]), { padding: 1 });
 * console.log(y.shape); // [1, 2, 3, 3]
 * ```
 *
 * @module
 */
export { flush, recordCopy } from "./_engine.ts";
export { setPoison } from "./_poison.ts";
export { setFusedBatchNorm } from "./ops/_bn_fused.ts";
export {
  conv2dForward,
  conv2dGradInput,
  conv2dGradWeight,
  type ConvGeometry,
  convGeometry,
} from "./ops/conv2d.ts";
export { matmulRaw } from "./ops/matmul.ts";
export { sumRows } from "./ops/linear.ts";
export {
  type DenseTiling,
  denseTiling,
  HARDWARE_TILING,
  setDenseTiling,
  SOFTWARE_TILING,
} from "./ops/matmul_tiling.ts";
export {
  type BinaryTiling,
  binaryTiling,
  HARDWARE_BINARY_TILING,
  setBinaryTiling,
  SOFTWARE_BINARY_TILING,
} from "./ops/binary_tiling.ts";
export {
  type BinaryConvGeometry,
  binaryConvGeometry,
  type BinaryConvOptions,
} from "./ops/binary_geometry.ts";
export { packActivationSigns, packWeightSigns } from "./ops/binary_pack.ts";
export {
  type BinaryActivationPrep,
  binaryActivationPrep,
  type BinaryWeightPrep,
  binaryWeightPrep,
} from "./ops/binary_prep.ts";
export { rowStatsCode, type RowStatsExtras } from "./ops/_row_stats.ts";
export {
  tilingCandidates,
  tuneBinaryKernels,
  type TuneOptions,
  type TuneResult,
} from "./ops/binary_tune.ts";
export { xnorConv2dForward } from "./ops/xnor_conv2d.ts";
export {
  binaryConv2dGradInput,
  type BinaryGradInputOptions,
  type BinaryInputWindow,
} from "./ops/binary_conv_grad_input.ts";
export { binaryConv2dGradWeight } from "./ops/binary_conv_grad_weight.ts";
export { WG_TREE_SUM, wgTreeSum } from "./ops/_tree_sum.ts";
