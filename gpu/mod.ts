/**
 * `@ovsw/gpu`: the shared WebGPU backend of ovsw — device, tensors, memory scopes, kernels,
 * autograd and ops.
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
export * from "./device.ts";
export * from "./engine.ts";
export * from "./tensor.ts";
export * from "./scope.ts";
export * from "./kernel.ts";
export * from "./tape.ts";
export * from "./ops/elementwise.ts";
export * from "./ops/sum_all.ts";
export * from "./ops/reduce.ts";
export * from "./ops/channel.ts";
export * from "./ops/shape.ts";
export * from "./ops/matmul_tiling.ts";
export * from "./ops/matmul.ts";
export * from "./ops/linear.ts";
export * from "./ops/conv2d.ts";
export * from "./ops/binary_tiling.ts";
export * from "./ops/binary_geometry.ts";
export * from "./ops/binary_pack.ts";
export * from "./ops/xnor_conv2d.ts";
export * from "./ops/batchnorm.ts";
export * from "./ops/batchnorm_hardtanh.ts";
export * from "./ops/cross_entropy.ts";
export * from "./ops/classify.ts";
export * from "./ops/prelu.ts";
export * from "./ops/pad.ts";
export * from "./ops/pool.ts";
export * from "./ops/binary_conv_grad_input.ts";
export * from "./ops/binary_conv_grad_weight.ts";
export * from "./ops/binary_conv2d.ts";
