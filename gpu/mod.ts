/**
 * `@ovsw/gpu`: the shared WebGPU backend of ovsw — device, tensors, memory scopes, autograd,
 * kernels and ops.
 *
 * Lower-level pieces that other ovsw packages build on (the non-autograd conv and binary
 * kernels, tilings, test poisoning) are in `@ovsw/gpu/internal`; they may change without notice.
 *
 * @example
 * ```ts
 * import { backward, initGpu, mul, sum, Tensor, tidy } from "@ovsw/gpu";
 * await initGpu();
 * const w = Tensor.from([1, 2], [2]);
 * w.requiresGrad = true;
 * const [g] = tidy(() => backward(sum(mul(w, w)), [w]));
 * console.log(await g!.read()); // [2, 4]
 * ```
 *
 * @module
 */
export {
  type AdapterDescription,
  adapterDescription,
  device,
  GpuUnavailableError,
  initGpu,
} from "./device.ts";
export {
  type EngineStats,
  engineStats,
  kernelTimes,
  profileKernels,
  resetStats,
  sync,
  writeInOrder,
} from "./_engine.ts";
export { type DType, liveTensorStats, type ParamTag, shapeStr, Tensor } from "./tensor.ts";
export { keep, memory, type MemoryReport, tidy } from "./scope.ts";
export {
  backward,
  type BackwardFn,
  isGradEnabled,
  noGrad,
  record,
  record1,
  takeGradient,
} from "./tape.ts";
export {
  F32,
  f32,
  grid,
  I32,
  i32,
  type KernelSpec,
  runKernel,
  type Uniform,
  WG,
  WGSL_INDEX,
} from "./kernel.ts";
export {
  abs,
  add,
  clamp,
  div,
  hardtanh,
  mapElements,
  mul,
  neg,
  onesLike,
  relu,
  scale,
  sign,
  sub,
} from "./ops/elementwise.ts";
export { broadcastScalar, meanAll, sum } from "./ops/sum_all.ts";
export { meanAxes, normAxes, sumAxes, varAxes, type VarOptions } from "./ops/reduce.ts";
export { addChannel, mulChannel } from "./ops/channel.ts";
export { copy, flatten, reshape } from "./ops/shape.ts";
export { matmul, type MatmulOptions } from "./ops/matmul.ts";
export { linear } from "./ops/linear.ts";
export { conv2d, type Conv2dOptions } from "./ops/conv2d.ts";
export { batchNorm, type BatchNormOptions } from "./ops/batchnorm.ts";
export { batchNormHardtanh } from "./ops/batchnorm_hardtanh.ts";
export { type CrossEntropyOptions, softmaxCrossEntropy } from "./ops/cross_entropy.ts";
export { argmax, topkCorrect } from "./ops/classify.ts";
export { prelu } from "./ops/prelu.ts";
export { padChannels } from "./ops/pad.ts";
export { avgPool2d, globalAvgPool, maxPool2d, type PoolOptions } from "./ops/pool.ts";
export {
  type BinaryConvImpl,
  type BinaryConvKernels,
  binaryConvKernels,
  FLOAT_BINARY_CONV_KERNELS,
  HARDWARE_BINARY_CONV_KERNELS,
  setBinaryConvKernels,
  SOFTWARE_BINARY_CONV_KERNELS,
} from "./ops/binary_conv_table.ts";
