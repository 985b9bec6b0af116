/**
 * `@ovsw/layers`: the module system, full-precision and binary layers, quantizers and
 * estimators, residual blocks and a Larq-style `summary`.
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
export * from "./module.ts";
export * from "./parameter.ts";
export * from "./shape.ts";
export * from "./sequential.ts";
export * from "./conv2d.ts";
export * from "./linear.ts";
export * from "./batch_norm.ts";
export * from "./activation.ts";
export * from "./prelu.ts";
export * from "./pooling.ts";
export * from "./flatten.ts";
export * from "./pad_shortcut.ts";
export * from "./residual.ts";
export * from "./builder.ts";
export * from "./quantizers/estimator.ts";
export * from "./quantizers/ste.ts";
export * from "./quantizers/hardtanh.ts";
export * from "./quantizers/ste_v2.ts";
export * from "./quantizers/hardtanh_v2.ts";
export * from "./quantizers/approx_sign.ts";
export * from "./quantizers/registry.ts";
export * from "./quantizers/kernels.ts";
export * from "./quantizers/quantize.ts";
export * from "./binary_conv2d_op.ts";
export * from "./binary_conv2d_xnor.ts";
export * from "./binary_conv2d.ts";
export * from "./binary_linear.ts";
export * from "./summary.ts";
