/**
 * `@ovsw/layers`: the module system, full-precision and binary layers, weight estimators,
 * residual blocks and a Larq-style `summary`.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { BatchNorm2d, BinaryConv2d, Hardtanh, Sequential } from "@ovsw/layers";
 * await initGpu();
 * const net = new Sequential(new BinaryConv2d(8, 8, 3, { padding: 1 }), new BatchNorm2d(8), new Hardtanh());
 * console.log(net.namedParameters().map(([n, t]) => `${n} ${t.tag}`));
 * const y = net.eval().forward(Tensor.zeros([1, 8, 4, 4]));
 * console.log(y.shape); // [1, 8, 4, 4]
 * ```
 *
 * @module
 */
export { Module } from "./module.ts";
export { createBuffer, createParameter } from "./parameter.ts";
export { Sequential } from "./sequential.ts";
export { Conv2d, type Conv2dLayerOptions } from "./conv2d.ts";
export { Linear, type LinearOptions } from "./linear.ts";
export {
  BatchNorm1d,
  BatchNorm2d,
  BatchNormBase,
  type BatchNormLayerOptions,
} from "./batch_norm.ts";
export { Hardtanh, ReLU } from "./activation.ts";
export { PReLU } from "./prelu.ts";
export {
  AdaptiveAvgPool2d,
  AvgPool2d,
  GlobalAvgPool,
  MaxPool2d,
  Pool2d,
  type PoolLayerOptions,
} from "./pooling.ts";
export { Flatten } from "./flatten.ts";
export { PadShortcut } from "./pad_shortcut.ts";
export { BasicBlock, BiRealBlock, type ShortcutKind } from "./residual.ts";
export {
  type BinaryConvFactory,
  type BinaryConvSpec,
  type BuilderOptions,
  createBuilder,
  type LayerBuilder,
} from "./builder.ts";
export type { Estimator } from "./estimators/estimator.ts";
export { steEstimator } from "./estimators/ste.ts";
export { hardtanhEstimator } from "./estimators/hardtanh.ts";
export { steV2Estimator } from "./estimators/ste_v2.ts";
export { hardtanhV2Estimator } from "./estimators/hardtanh_v2.ts";
export { approxSignEstimator } from "./estimators/approx_sign.ts";
export { estimatorNames, getEstimator, registerEstimator } from "./estimators/registry.ts";
export { quantize } from "./estimators/quantize.ts";
export { binaryConv2d, type BinaryConv2dOpOptions } from "./binary_conv2d_op.ts";
export { BinaryConv2d, type BinaryLayerOptions } from "./binary_conv2d.ts";
export { BinaryLinear } from "./binary_linear.ts";
export {
  formatSummary,
  type LayerRow,
  type ModelSummary,
  summary,
  type SummaryOptions,
} from "./summary.ts";
// BNN methods
export { chainEpochHooks, checkEpoch, type EpochHook } from "./methods/epoch_hook.ts";
export { approxSign } from "./methods/approx_sign.ts";
export { BinaryInputConv2d } from "./methods/binary_input_conv.ts";
export { LearnableBias, RSign, rsign } from "./methods/rsign.ts";
export { RPReLU, rprelu } from "./methods/rprelu.ts";
export { ReActBlock } from "./methods/react_block.ts";
export { distributionLoss } from "./losses/distribution_loss.ts";
export { ede, identitySign, steSign, type SteWindow } from "./methods/sign_ste.ts";
export { centreInputChannels, standardizeRows } from "./methods/_row_ops.ts";
export {
  xnorActivation,
  xnorCentreClamp,
  XnorConv2d,
  type XnorConv2dOptions,
  xnorWeight,
  type XnorWeightOptions,
} from "./methods/xnor.ts";
export {
  XnorPlusPlusConv2d,
  type XnorPlusPlusConv2dOptions,
  XnorPlusPlusFactorisedConv2d,
  type XnorPlusPlusFactorisedConv2dOptions,
  xnorPlusPlusWeight,
} from "./methods/xnorpp.ts";
export {
  HardBinaryConv2d,
  type HardBinaryConv2dOptions,
  hardBinaryWeight,
} from "./methods/hard_binary.ts";
export {
  rbnnAB,
  RbnnConv2d,
  type RbnnConvOptions,
  rbnnEpochHook,
  rbnnKT,
  rbnnRotate,
  rbnnRotatedWeight,
  rbnnRotationUpdate,
  rbnnSign,
} from "./methods/rbnn.ts";
export {
  IrNetConv2d,
  type IrNetConv2dOptions,
  irnetEpochHook,
  irnetKT,
  type IrNetSchedule,
  libraPB,
  makeIrnetEpochHook,
  powerOfTwoScale,
} from "./methods/irnet.ts";
export {
  makeRecuEpochHook,
  rectifiedClamp,
  recuActivation,
  RecuConv2d,
  type RecuConv2dOptions,
  recuEpochHook,
  type RecuSchedule,
  recuStandardise,
  recuTau,
  recuWeight,
} from "./methods/recu.ts";
export {
  simanClipInPlace,
  SimanConv2d,
  type SimanConvOptions,
  simanEpochHook,
  simanMedianMask,
  simanPercent,
  simanWeight,
} from "./methods/siman.ts";
export {
  FDA_OMEGA,
  fdaActivationNoise,
  FdaConv2d,
  type FdaConv2dOptions,
  fdaEpochHook,
  FdaNoiseAdapter,
  fdaNoiseWidth,
  fdaSchedule,
  fdaSign,
  fdaWeightNoise,
} from "./methods/fda.ts";
export {
  kaimingInit,
  MethodConv2d,
  type MethodConvOptions,
  tinyUniformInit,
} from "./methods/method_conv.ts";
export {
  CmimContrast,
  type CmimContrastOptions,
  cmimMemoryUpdate,
  CmimNegativeSampler,
  contrastLoss,
  normalizeRows,
} from "./losses/cmim_contrast.ts";
